-- Which facility follows which person: the treatment service's episodes at facilities, as the
-- registry learns them from treatment.episode.changed events. Facility staff see a person while
-- an episode of theirs is open.
CREATE TABLE registry.facility_episodes (
    episode_id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    facility_id uuid NOT NULL,
    started_on date NOT NULL,
    ended_on date
);
CREATE INDEX facility_episodes_open ON registry.facility_episodes (person_id, facility_id) WHERE ended_on IS NULL;

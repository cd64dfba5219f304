-- Treatment episodes in every legal form. One row per episode, whatever facilities it passed
-- through (episode_placements keeps them). The commune and province are the person's residence,
-- kept current by the registry's move events: they decide the officers who follow the episode.
CREATE TABLE treatment.episodes (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    form text NOT NULL CHECK (form IN ('voluntary_community', 'voluntary_facility', 'compulsory', 'methadone', 'social_protection_centre')),
    -- The facility now (NULL for treatment at family or community).
    facility_id uuid,
    -- Treatment at family or community: the commune's supervisor.
    supervisor text,
    -- Compulsory treatment: the court's decision.
    court text,
    decision_number text,
    decision_date date,
    minor boolean NOT NULL,
    occurrence text NOT NULL CHECK (occurrence IN ('first', 'repeat')),
    -- The regime in force on planned_start: it judged the term and judges everything after.
    regime text NOT NULL,
    planned_start date NOT NULL,
    -- The last day of the term (NULL: no term, as for substitution therapy).
    planned_end date,
    term_reduction_months integer CHECK (term_reduction_months > 0),
    -- The last day of the term after any reduction (what the deadline lists read).
    term_end date,
    term_reduced_on date,
    term_reduction_decision text,
    started_on date,
    ended_on date,
    status text NOT NULL CHECK (status IN ('planned', 'active', 'completed', 'discontinued', 'transferred')),
    discharge_reason text CHECK (discharge_reason IN ('completed', 'transferred', 'dropped_out', 'terminated', 'incarcerated', 'died', 'other')),
    discharge_note text,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    created_by uuid NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CHECK ((facility_id IS NULL) = (form = 'voluntary_community')),
    CHECK (planned_end IS NULL OR planned_end >= planned_start),
    CHECK ((status IN ('completed', 'discontinued', 'transferred')) = (ended_on IS NOT NULL AND discharge_reason IS NOT NULL))
);
-- At most one open episode per person, and one open substitution therapy beside it.
CREATE UNIQUE INDEX episodes_one_open ON treatment.episodes (person_id) WHERE status IN ('planned', 'active') AND form <> 'methadone';
CREATE UNIQUE INDEX episodes_one_open_substitution ON treatment.episodes (person_id) WHERE status IN ('planned', 'active') AND form = 'methadone';
CREATE INDEX episodes_person ON treatment.episodes (person_id, planned_start);
-- Deadline lists: open episodes by commune and by facility, by the day the term ends.
CREATE INDEX episodes_open_commune ON treatment.episodes (commune_code, term_end) WHERE status = 'active';
CREATE INDEX episodes_open_province ON treatment.episodes (province_code, term_end) WHERE status = 'active';
CREATE INDEX episodes_open_facility ON treatment.episodes (facility_id, term_end) WHERE status = 'active';

-- The five stages (Decree 116/2021, Art. 4), each completed once, in order.
CREATE TABLE treatment.episode_stages (
    episode_id uuid NOT NULL REFERENCES treatment.episodes (id),
    stage text NOT NULL CHECK (stage IN ('intake', 'detoxification', 'counselling', 'labour_therapy', 'reintegration')),
    completed_on date NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (episode_id, stage)
);

-- Where an episode took place: one row per facility, the last one open.
CREATE TABLE treatment.episode_placements (
    episode_id uuid NOT NULL REFERENCES treatment.episodes (id),
    facility_id uuid NOT NULL,
    from_date date NOT NULL,
    to_date date,
    reason text,
    PRIMARY KEY (episode_id, from_date, facility_id)
);

-- The registration deadline a positive determination starts, computed when it is recorded (the
-- working-day calendar then known), and the day the person registered (an episode was opened, or
-- was open already): the deadline list reads the positive ones not registered yet.
ALTER TABLE treatment.determinations ADD COLUMN registration_due_on date, ADD COLUMN registered_on date;
CREATE INDEX determinations_due_commune ON treatment.determinations (commune_code, registration_due_on)
    WHERE positive AND registered_on IS NULL;
CREATE INDEX determinations_due_province ON treatment.determinations (province_code, registration_due_on)
    WHERE positive AND registered_on IS NULL;

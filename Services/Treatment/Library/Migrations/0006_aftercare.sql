-- After-care (quản lý sau cai nghiện): opened when an episode completes, at the person's residence
-- commune, for the length the episode's regime sets by form and age. The commune and province
-- follow the person when they move (aftercare_places keeps where it was run).
CREATE TABLE treatment.aftercare (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    episode_id uuid NOT NULL UNIQUE REFERENCES treatment.episodes (id),
    form text NOT NULL,
    regime text NOT NULL,
    rule text NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL CHECK (ends_on >= starts_on),
    status text NOT NULL CHECK (status IN ('active', 'completed', 'ended_by_relapse', 'suspended')),
    supervisor_kind text CHECK (supervisor_kind IN ('officer', 'volunteer_team', 'club')),
    supervisor_name text,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    ended_on date,
    completion_note text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CHECK ((status = 'active') = (ended_on IS NULL))
);
CREATE UNIQUE INDEX aftercare_one_active ON treatment.aftercare (person_id) WHERE status = 'active';
CREATE INDEX aftercare_person ON treatment.aftercare (person_id, starts_on);
CREATE INDEX aftercare_active_commune ON treatment.aftercare (commune_code, ends_on) WHERE status = 'active';
CREATE INDEX aftercare_active_province ON treatment.aftercare (province_code, ends_on) WHERE status = 'active';

CREATE TABLE treatment.aftercare_places (
    aftercare_id uuid NOT NULL REFERENCES treatment.aftercare (id),
    commune_code text NOT NULL,
    province_code text NOT NULL,
    from_date date NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX aftercare_places_aftercare ON treatment.aftercare_places (aftercare_id, from_date);

-- Contacts with the person (visit, call, club meeting); commune_code is the commune that wrote
-- it, which keeps reading what it wrote after the person moves away.
CREATE TABLE treatment.aftercare_contacts (
    id uuid PRIMARY KEY,
    aftercare_id uuid NOT NULL REFERENCES treatment.aftercare (id),
    person_id uuid NOT NULL,
    contact_on date NOT NULL,
    kind text NOT NULL CHECK (kind IN ('visit', 'call', 'club_meeting')),
    note text,
    commune_code text NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX aftercare_contacts_aftercare ON treatment.aftercare_contacts (aftercare_id, contact_on);
CREATE INDEX aftercare_contacts_commune ON treatment.aftercare_contacts (commune_code, contact_on);

-- Support a person in after-care needs, published for the referrals service.
CREATE TABLE treatment.support_needs (
    id uuid PRIMARY KEY,
    aftercare_id uuid NOT NULL REFERENCES treatment.aftercare (id),
    person_id uuid NOT NULL,
    needs text[] NOT NULL,
    note text,
    recorded_on date NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX support_needs_aftercare ON treatment.support_needs (aftercare_id);

-- Drug tests, whatever the person was in at the time.
CREATE TABLE treatment.drug_tests (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    tested_on date NOT NULL,
    method text NOT NULL CHECK (method IN ('urine', 'saliva', 'blood', 'hair')),
    substances text[] NOT NULL,
    positive boolean NOT NULL,
    during text NOT NULL CHECK (during IN ('aftercare', 'episode', 'none')),
    commune_code text NOT NULL,
    province_code text NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX drug_tests_person ON treatment.drug_tests (person_id, tested_on);

-- Relapses during after-care (a positive test or determination): each ends or suspends the
-- after-care as its regime says and triggers compulsory treatment, pending until an episode is
-- opened for the person after it (resolved_on).
CREATE TABLE treatment.relapses (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    aftercare_id uuid NOT NULL REFERENCES treatment.aftercare (id),
    detected_on date NOT NULL,
    source text NOT NULL CHECK (source IN ('test', 'determination')),
    source_id uuid NOT NULL,
    effect text NOT NULL CHECK (effect IN ('end', 'suspend')),
    regime text NOT NULL,
    rule text NOT NULL,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    resolved_on date,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX relapses_person ON treatment.relapses (person_id, detected_on);
CREATE INDEX relapses_commune ON treatment.relapses (commune_code, detected_on) WHERE resolved_on IS NULL;
CREATE INDEX relapses_province ON treatment.relapses (province_code, detected_on) WHERE resolved_on IS NULL;

-- Determinations of addiction (Circular 18/2021/TT-BYT): who determined it, where, which of the six
-- criteria were met, and the result under the regime in force on the day. Never changed: a wrong
-- one is followed by a new determination. The commune and province are the person's residence on
-- the day it was recorded.
CREATE TABLE treatment.determinations (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    determined_on date NOT NULL,
    doctor text NOT NULL,
    health_facility text NOT NULL,
    criteria text[] NOT NULL,
    positive boolean NOT NULL,
    regime text NOT NULL,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX determinations_person ON treatment.determinations (person_id, determined_on);

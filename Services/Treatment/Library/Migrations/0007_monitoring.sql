-- Law 120/2025: electronic monitoring the commune police may order during treatment at family or
-- community, substitution therapy or after-care (device, period, reason, decision), and the
-- substances a person declares having used.
CREATE TABLE treatment.monitoring (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    during text NOT NULL CHECK (during IN ('episode', 'aftercare')),
    record_id uuid NOT NULL,
    device text NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL CHECK (ends_on >= starts_on),
    reason text NOT NULL,
    decision_number text NOT NULL,
    regime text NOT NULL,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX monitoring_person ON treatment.monitoring (person_id, starts_on);

CREATE TABLE treatment.substance_declarations (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    declared_on date NOT NULL,
    substances text[] NOT NULL,
    note text,
    regime text NOT NULL,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX substance_declarations_person ON treatment.substance_declarations (person_id, declared_on);

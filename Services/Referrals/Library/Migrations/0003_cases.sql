-- Reintegration cases: one per after-care period, opened from the treatment service's events for
-- the commune where the person lives (and handed to the new commune when they move), with the
-- needs assessment and the counselling given. Officers of the commune follow them; partner
-- organisations never see them (they derive from treatment).
CREATE TABLE referrals.cases (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    -- The after-care period it accompanies: a replayed event opens nothing twice.
    aftercare_id uuid NOT NULL UNIQUE,
    status text NOT NULL CHECK (status IN ('open', 'closed')),
    opened_on date NOT NULL,
    closed_on date,
    close_reason text CHECK (close_reason IN ('aftercare_ended', 'officer')),
    close_note text,
    needs text[] NOT NULL DEFAULT '{}',
    skills text,
    prior_work text,
    assessed_on date,
    assessed_by uuid,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CHECK ((status = 'closed') = (closed_on IS NOT NULL AND close_reason IS NOT NULL))
);
CREATE INDEX cases_person ON referrals.cases (person_id, opened_on);
CREATE INDEX cases_open_commune ON referrals.cases (commune_code, opened_on) WHERE status = 'open';
CREATE INDEX cases_province ON referrals.cases (province_code, opened_on);

CREATE TABLE referrals.counselling (
    id uuid PRIMARY KEY,
    case_id uuid NOT NULL REFERENCES referrals.cases (id),
    given_on date NOT NULL,
    given_by text NOT NULL,
    topic text NOT NULL,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX counselling_case ON referrals.counselling (case_id, given_on);

-- What the statistics service counts from, built only from bus events (registry.person,
-- referrals.referral): pseudonymous ids, sex, birth year, commune codes, statuses, dates and
-- amounts. No name, national id, address, phone or date of birth ever reaches this schema.

CREATE TABLE statistics.people (
    person_id uuid PRIMARY KEY,
    sex text NOT NULL,
    birth_year smallint NOT NULL,
    registered_on date NOT NULL
);

-- Where each person lived from which day (registration, then each move).
CREATE TABLE statistics.residences (
    person_id uuid NOT NULL,
    from_date date NOT NULL,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    PRIMARY KEY (person_id, from_date)
);

-- Dated management statuses, as the registry keeps them: valid_to is the first day it no longer applies.
CREATE TABLE statistics.statuses (
    person_id uuid NOT NULL,
    valid_from date NOT NULL,
    valid_to date,
    status text NOT NULL,
    PRIMARY KEY (person_id, valid_from)
);
CREATE INDEX statuses_period ON statistics.statuses (valid_from, valid_to);

-- Each referral's current state.
CREATE TABLE statistics.referrals (
    referral_id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    kind text NOT NULL,
    status text NOT NULL,
    outcome text,
    outcome_on date,
    amount_vnd bigint,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    referred_on date NOT NULL
);
CREATE INDEX referrals_period ON statistics.referrals (referred_on, province_code, commune_code);

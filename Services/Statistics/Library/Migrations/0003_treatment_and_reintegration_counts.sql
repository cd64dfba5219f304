-- What the statistics service counts treatment and reintegration from, built only from the
-- treatment and referrals services' events: pseudonymous ids, forms, dates, codes and amounts.
-- Each row restates an event (upserts): applying an event again changes nothing.
CREATE TABLE statistics.determinations (
    determination_id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    determined_on date NOT NULL,
    positive boolean NOT NULL,
    commune_code text NOT NULL,
    province_code text NOT NULL
);
CREATE INDEX determinations_period ON statistics.determinations (determined_on, province_code, commune_code);

CREATE TABLE statistics.episodes (
    episode_id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    form text NOT NULL,
    facility_id uuid,
    started_on date,
    ended_on date,
    status text NOT NULL,
    reason text,
    commune_code text NOT NULL,
    province_code text NOT NULL
);
CREATE INDEX episodes_period ON statistics.episodes (started_on, ended_on);

CREATE TABLE statistics.aftercare (
    aftercare_id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    episode_id uuid NOT NULL,
    starts_on date NOT NULL,
    ends_on date NOT NULL,
    ended_on date,
    status text NOT NULL,
    commune_code text NOT NULL,
    province_code text NOT NULL
);
CREATE INDEX aftercare_episode ON statistics.aftercare (episode_id);

CREATE TABLE statistics.relapses (
    relapse_id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    aftercare_id uuid NOT NULL,
    detected_on date NOT NULL,
    commune_code text NOT NULL,
    province_code text NOT NULL
);

-- Each referral's steps: the day of each, a job's wage, a loan's amount.
CREATE TABLE statistics.referral_steps (
    referral_id uuid NOT NULL,
    step text NOT NULL,
    person_id uuid NOT NULL,
    kind text NOT NULL,
    step_on date NOT NULL,
    wage_vnd bigint,
    amount_vnd bigint,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    PRIMARY KEY (referral_id, step)
);
CREATE INDEX referral_steps_period ON statistics.referral_steps (step, step_on);

-- Live aggregates: what each indicator is computed from, kept by the counting consumer as events
-- arrive (each event's person's contributions recomputed and the difference added), and rebuilt
-- from the counting tables at once by `statistics rebuild`. No personal data: counts by measure,
-- area (commune, province, or the country as 'VN'), day and one breakdown at a time.
ALTER TABLE statistics.people ADD COLUMN ethnicity text;
ALTER TABLE statistics.people ADD COLUMN substances text[] NOT NULL DEFAULT '{}';

-- A measure's counts on a day in an area, in total (dimension '') or for one value of the
-- measure's own breakdown (treatment_form, result); in a province or the country also for one
-- value of the person's breakdowns (sex, age_band, ethnicity, substance), by the month (`day` the
-- month's first). `entered` counts intervals that begin (or flows that happen) on the day,
-- `exited` intervals whose first day outside is the day, `exited_first` those of them on a
-- month's first day. A stock on a day is the sum of entered - exited up to it; a flow the sum of
-- entered in the period.
CREATE TABLE statistics.tallies (
    measure text NOT NULL,
    dimension text NOT NULL,
    value text NOT NULL,
    area_code text NOT NULL CHECK (area_code ~ '^([0-9]{2}|[0-9]{5}|VN)$'),
    day date NOT NULL,
    -- The unit above: a commune's province, a province's country ('VN'), the country itself.
    parent_code text NOT NULL,
    entered bigint NOT NULL DEFAULT 0,
    exited bigint NOT NULL DEFAULT 0,
    exited_first bigint NOT NULL DEFAULT 0,
    amount bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (measure, dimension, area_code, value, day)
);
-- A province's communes, for rows by commune.
CREATE INDEX tallies_by_parent ON statistics.tallies (measure, dimension, parent_code, day) WHERE length(area_code) = 5;

-- Each person's rows, for recomputing their contributions.
CREATE INDEX episodes_person ON statistics.episodes (person_id);
CREATE INDEX aftercare_person ON statistics.aftercare (person_id);
CREATE INDEX relapses_person ON statistics.relapses (person_id);
CREATE INDEX determinations_person ON statistics.determinations (person_id);
CREATE INDEX referral_steps_person ON statistics.referral_steps (person_id);

-- Reintegration cases and the counselling given within them (referrals.case), by the commune
-- following each case now.
CREATE TABLE statistics.cases (
    case_id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    needs text[] NOT NULL,
    opened_on date NOT NULL,
    closed_on date,
    commune_code text NOT NULL,
    province_code text NOT NULL
);
CREATE INDEX cases_person ON statistics.cases (person_id);

CREATE TABLE statistics.counselling (
    counselling_id uuid PRIMARY KEY,
    case_id uuid NOT NULL,
    person_id uuid NOT NULL,
    given_on date NOT NULL
);
CREATE INDEX counselling_person ON statistics.counselling (person_id);

-- Community programme records (registry.programme): campaigns, after-care models, groups,
-- drug-free recognitions and trainings, with their counts and no names.
CREATE TABLE statistics.programmes (
    record_id uuid PRIMARY KEY,
    kind text NOT NULL,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    on_date date NOT NULL,
    count integer,
    group_type text,
    year integer,
    until date
);
CREATE INDEX programmes_commune ON statistics.programmes (commune_code, kind, on_date);

-- Why the counting tables must be rebuilt from the log (the service does it at start, while
-- serving): here, an existing deployment's consumer skipped the topics it now reads and never
-- filled the aggregates. A new database fills everything from the start of the log anyway.
CREATE TABLE statistics.pending_rebuilds (
    reason text PRIMARY KEY,
    requested_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO statistics.pending_rebuilds (reason)
SELECT 'live aggregates, reintegration cases and programmes added (2026-12)' FROM bus.consumers WHERE name = 'statistics.counts';

-- An episode history for a third of the registry benchmark's people (those whose id hashes to 0
-- mod 3), written straight into the treatment tables: the setup of Benchmarks/treatment.sh, not
-- what it measures. Each of them has a positive determination in 2024 and a completed
-- treatment at family or community with three stages; then, by turns, a second episode still
-- active (its term ending between December 2026 and June 2027), after-care still running (with
-- one to three contacts), or after-care completed.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE chosen AS
SELECT id AS person_id, residence_commune_code AS commune_code, residence_province_code AS province_code,
       row_number() OVER (ORDER BY id) AS n
FROM registry.people WHERE abs(hashtext(id::text)) % 3 = 0;

CREATE TEMP TABLE history AS
SELECT c.*, gen_random_uuid() AS determination_id, gen_random_uuid() AS episode_id, gen_random_uuid() AS second_id,
       gen_random_uuid() AS aftercare_id, (date '2024-01-08' + (c.n % 180)::int) AS determined_on
FROM chosen c;

INSERT INTO treatment.determinations
    (id, person_id, determined_on, doctor, health_facility, criteria, positive, regime, commune_code, province_code, recorded_by,
     registration_due_on, registered_on)
SELECT determination_id, person_id, determined_on, 'BS. Nguyễn Văn An', 'Trạm Y tế xã', ARRAY['craving', 'withdrawal', 'tolerance'], true,
       'law-73-2021', commune_code, province_code, '00000000-0000-4000-8000-000000000000', determined_on + 7, determined_on + 7
FROM history;

INSERT INTO treatment.episodes
    (id, person_id, form, supervisor, minor, occurrence, regime, planned_start, planned_end, term_end, started_on, ended_on, status,
     discharge_reason, commune_code, province_code, created_by)
SELECT episode_id, person_id, 'voluntary_community', 'Công an xã', false, 'first', 'law-73-2021', determined_on + 7,
       (determined_on + 7 + interval '6 months')::date - 1, (determined_on + 7 + interval '6 months')::date - 1, determined_on + 7,
       (determined_on + 7 + interval '6 months')::date - 1, 'completed', 'completed', commune_code, province_code,
       '00000000-0000-4000-8000-000000000000'
FROM history;

INSERT INTO treatment.episode_stages (episode_id, stage, completed_on, recorded_by)
SELECT episode_id, stage, determined_on + 7 + offset_days, '00000000-0000-4000-8000-000000000000'
FROM history, (VALUES ('intake', 2), ('detoxification', 30), ('counselling', 90)) AS s(stage, offset_days);

-- n % 3 = 0: a second episode, active, its term ending between December 2026 and June 2027.
INSERT INTO treatment.episodes
    (id, person_id, form, supervisor, minor, occurrence, regime, planned_start, planned_end, term_end, started_on, status, commune_code,
     province_code, created_by)
SELECT second_id, person_id, 'voluntary_community', 'Công an xã', false, 'repeat', 'law-73-2021', date '2026-01-01' + (n % 180)::int,
       (date '2026-01-01' + (n % 180)::int + interval '12 months')::date - 1,
       (date '2026-01-01' + (n % 180)::int + interval '12 months')::date - 1, date '2026-01-01' + (n % 180)::int, 'active',
       commune_code, province_code, '00000000-0000-4000-8000-000000000000'
FROM history WHERE n % 3 = 0;

-- The others: after-care after the first episode, running (n % 3 = 1, moved to end in 2027) or
-- completed (n % 3 = 2).
INSERT INTO treatment.aftercare
    (id, person_id, episode_id, form, regime, rule, starts_on, ends_on, status, commune_code, province_code, ended_on)
SELECT aftercare_id, person_id, episode_id, 'voluntary_community', 'law-73-2021', 'Law 73/2021/QH14, Art. 40 (enacted)',
       (determined_on + 7 + interval '6 months')::date,
       CASE WHEN n % 3 = 1 THEN date '2026-12-01' + (n % 240)::int ELSE (determined_on + 7 + interval '18 months')::date - 1 END,
       CASE WHEN n % 3 = 1 THEN 'active' ELSE 'completed' END, commune_code, province_code,
       CASE WHEN n % 3 = 1 THEN NULL ELSE (determined_on + 7 + interval '18 months')::date - 1 END
FROM history WHERE n % 3 <> 0;

INSERT INTO treatment.aftercare_places (aftercare_id, commune_code, province_code, from_date)
SELECT aftercare_id, commune_code, province_code, (determined_on + 7 + interval '6 months')::date FROM history WHERE n % 3 <> 0;

INSERT INTO treatment.aftercare_contacts (id, aftercare_id, person_id, contact_on, kind, commune_code, recorded_by)
SELECT gen_random_uuid(), aftercare_id, person_id, date '2026-09-01' + (k * 20 + n % 20)::int, 'visit', commune_code,
       '00000000-0000-4000-8000-000000000000'
FROM history, generate_series(0, 2) AS k WHERE n % 3 = 1 AND k <= n % 3 + (n % 2);
COMMIT;
VACUUM ANALYZE;

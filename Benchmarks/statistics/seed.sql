-- The statistics benchmark's history, written straight into the bus log as the registry, treatment
-- and referrals services publish it (the same types, versions, topics, keys and payloads; slots by
-- a hash of the key, so a person's events share one): :people people registered over five years
-- (2021-2025) across the 2025 communes, 60% determined addicted, 70% of those treated (every
-- form), after-care for those who completed, a fifth of them relapsing, 5% with a loan disbursed;
-- each status change as the registry tells it; programme records for a third of the communes.
-- Deterministic (setseed). Run as the database owner with psql -v people=N.
SELECT setseed(0.42);

CREATE TEMP TABLE seed_communes AS
SELECT row_number() OVER (ORDER BY code)::int AS i, code, province_code FROM registry.admin_units
WHERE generation = '2025' AND level = 'commune';

CREATE TEMP TABLE seed_people AS
SELECT n,
       md5('person' || n)::uuid AS person,
       1 + floor(random() * (SELECT count(*) FROM seed_communes))::int AS ci,
       CASE WHEN random() < 0.9 THEN 'male' ELSE 'female' END AS sex,
       1960 + floor(random() * 46)::int AS birth_year,
       (ARRAY['Kinh', 'Kinh', 'Kinh', 'Kinh', 'Kinh', 'Kinh', 'Tày', 'Thái', 'Mường', 'H''Mông'])[1 + floor(random() * 10)::int] AS ethnicity,
       (ARRAY['heroin', 'methamphetamine', 'methamphetamine', 'cannabis', 'heroin'])[1 + floor(random() * 5)::int] AS substance,
       date '2021-01-01' + floor(random() * 1800)::int AS registered,
       random() AS r_determined, random() AS r_treated, random() AS r_form, random() AS r_relapse, random() AS r_loan,
       floor(random() * 50)::int AS gap_determined, floor(random() * 25)::int AS gap_treated, floor(random() * 180)::int AS length,
       floor(random() * 300)::int AS gap_relapse
FROM generate_series(1, :people) AS n;

CREATE TEMP TABLE seed_paths AS
SELECT p.*, c.code AS commune, c.province_code AS province,
       CASE WHEN p.r_determined < 0.6 THEN p.registered + 10 + p.gap_determined END AS determined,
       CASE WHEN p.r_determined < 0.6 AND p.r_treated < 0.7 THEN p.registered + 15 + p.gap_determined + p.gap_treated END AS started,
       CASE WHEN p.r_form < 0.3 THEN 'voluntary_community' WHEN p.r_form < 0.5 THEN 'voluntary_facility' WHEN p.r_form < 0.8 THEN 'compulsory'
            WHEN p.r_form < 0.95 THEN 'methadone' ELSE 'social_protection_centre' END AS form
FROM seed_people p JOIN seed_communes c ON c.i = p.ci;

CREATE TEMP TABLE seed_episodes AS
SELECT s.*, CASE WHEN s.started + 180 + s.length <= date '2026-11-30' THEN s.started + 180 + s.length END AS ended
FROM seed_paths s;

CREATE TEMP TABLE seed_full AS
SELECT e.*,
       CASE WHEN e.ended IS NOT NULL AND e.r_relapse < 0.2 AND e.ended + 30 + e.gap_relapse <= date '2026-11-30'
            THEN e.ended + 30 + e.gap_relapse END AS relapsed,
       CASE WHEN e.ended IS NOT NULL AND e.r_loan < 0.07 AND e.ended + 60 <= date '2026-11-30' THEN e.ended + 60 END AS loaned
FROM seed_episodes e;

INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, producer, payload)
SELECT topic, type, version, person::text, (abs(hashtext(person::text)) % 64)::smallint, day::timestamptz, producer, payload
FROM (
    SELECT n, 1 AS seq, person, registered AS day, 'registry.person' AS topic, 'registry.person.registered' AS type, 2 AS version,
           'registry' AS producer,
           jsonb_build_object('personId', person, 'communeCode', commune, 'provinceCode', province, 'residenceSince', registered, 'sex', sex,
                              'birthYear', birth_year, 'ethnicity', ethnicity, 'substances', jsonb_build_array(substance),
                              'registeredOn', registered) AS payload
    FROM seed_full
    UNION ALL
    SELECT n, 2, person, registered, 'registry.person', 'registry.person.status_changed', 1, 'registry',
           jsonb_build_object('personId', person, 'status', 'drug_user', 'validFrom', registered, 'communeCode', commune)
    FROM seed_full
    UNION ALL
    SELECT n, 3, person, determined, 'treatment.person', 'treatment.determination.recorded', 1, 'treatment',
           jsonb_build_object('determinationId', md5('determination' || n)::uuid, 'personId', person, 'determinedOn', determined,
                              'criteriaMet', 3, 'positive', true, 'regime', 'law-73-2021', 'communeCode', commune, 'provinceCode', province)
    FROM seed_full WHERE determined IS NOT NULL
    UNION ALL
    SELECT n, 4, person, determined, 'registry.person', 'registry.person.status_changed', 1, 'registry',
           jsonb_build_object('personId', person, 'status', 'addicted', 'validFrom', determined, 'communeCode', commune)
    FROM seed_full WHERE determined IS NOT NULL
    UNION ALL
    SELECT n, 5, person, started, 'treatment.person', 'treatment.episode.started', 1, 'treatment',
           jsonb_build_object('episodeId', md5('episode' || n)::uuid, 'personId', person, 'form', form, 'startedOn', started,
                              'occurrence', 'first', 'minor', false, 'regime', 'law-73-2021', 'communeCode', commune, 'provinceCode', province)
    FROM seed_full WHERE started IS NOT NULL
    UNION ALL
    SELECT n, 6, person, started, 'registry.person', 'registry.person.status_changed', 1, 'registry',
           jsonb_build_object('personId', person, 'status', 'in_treatment', 'validFrom', started, 'communeCode', commune)
    FROM seed_full WHERE started IS NOT NULL
    UNION ALL
    SELECT n, 7, person, ended, 'treatment.person', 'treatment.episode.ended', 1, 'treatment',
           jsonb_build_object('episodeId', md5('episode' || n)::uuid, 'personId', person, 'form', form, 'status', 'completed',
                              'reason', 'completed', 'startedOn', started, 'endedOn', ended, 'communeCode', commune, 'provinceCode', province)
    FROM seed_full WHERE ended IS NOT NULL
    UNION ALL
    SELECT n, 8, person, ended + 1, 'treatment.person', 'treatment.aftercare.started', 1, 'treatment',
           jsonb_build_object('aftercareId', md5('aftercare' || n)::uuid, 'personId', person, 'episodeId', md5('episode' || n)::uuid,
                              'form', form, 'startsOn', ended + 1, 'endsOn', ended + 365, 'regime', 'law-73-2021', 'communeCode', commune,
                              'provinceCode', province)
    FROM seed_full WHERE ended IS NOT NULL
    UNION ALL
    SELECT n, 9, person, ended + 1, 'registry.person', 'registry.person.status_changed', 1, 'registry',
           jsonb_build_object('personId', person, 'status', 'in_aftercare', 'validFrom', ended + 1, 'communeCode', commune)
    FROM seed_full WHERE ended IS NOT NULL
    UNION ALL
    SELECT n, 10, person, loaned, 'referrals.referral', 'referrals.referral.step_recorded', 1, 'referrals',
           jsonb_build_object('referralId', md5('referral' || n)::uuid, 'personId', person, 'partnerId', md5('partner' || (n % 50))::uuid,
                              'kind', 'loan', 'step', 'disburse', 'status', 'disbursed', 'on', loaned,
                              'amountVnd', 20000000 + (n % 31) * 1000000, 'communeCode', commune, 'provinceCode', province)
    FROM seed_full WHERE loaned IS NOT NULL
    UNION ALL
    SELECT n, 11, person, relapsed, 'treatment.person', 'treatment.relapse.recorded', 1, 'treatment',
           jsonb_build_object('relapseId', md5('relapse' || n)::uuid, 'personId', person, 'aftercareId', md5('aftercare' || n)::uuid,
                              'detectedOn', relapsed, 'source', 'test', 'aftercare', 'ended', 'regime', 'law-73-2021', 'communeCode', commune,
                              'provinceCode', province)
    FROM seed_full WHERE relapsed IS NOT NULL
    UNION ALL
    SELECT n, 12, person, relapsed, 'treatment.person', 'treatment.aftercare.ended', 1, 'treatment',
           jsonb_build_object('aftercareId', md5('aftercare' || n)::uuid, 'personId', person, 'status', 'ended_by_relapse',
                              'endedOn', relapsed, 'communeCode', commune, 'provinceCode', province)
    FROM seed_full WHERE relapsed IS NOT NULL
    UNION ALL
    SELECT n, 13, person, relapsed, 'registry.person', 'registry.person.status_changed', 1, 'registry',
           jsonb_build_object('personId', person, 'status', 'addicted', 'validFrom', relapsed, 'communeCode', commune)
    FROM seed_full WHERE relapsed IS NOT NULL
) AS events
ORDER BY n, seq;

-- Programmes: a campaign a year in a third of the communes, after-care models spreading from 2022,
-- volunteer teams, drug-free recognitions.
INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, producer, payload)
SELECT 'registry.programme', 'registry.programme.recorded', 1, code, (abs(hashtext(code)) % 64)::smallint, day::timestamptz, 'registry',
       jsonb_strip_nulls(jsonb_build_object('recordId', md5(kind || code || day)::uuid, 'kind', kind, 'communeCode', code,
                                            'provinceCode', province_code, 'onDate', day, 'groupType', group_type, 'year', extract(year FROM day)::int))
FROM (
    SELECT c.code, c.province_code, 'campaign' AS kind, make_date(y, 6, 26) AS day, NULL AS group_type
    FROM seed_communes c CROSS JOIN generate_series(2021, 2025) AS y WHERE c.i % 3 = y % 3
    UNION ALL
    SELECT c.code, c.province_code, 'aftercare-model', make_date(2022 + c.i % 4, 3, 1), NULL FROM seed_communes c WHERE c.i % 2 = 0
    UNION ALL
    SELECT c.code, c.province_code, 'group', make_date(2021 + c.i % 5, 9, 1), 'volunteer_team' FROM seed_communes c WHERE c.i % 4 = 0
    UNION ALL
    SELECT c.code, c.province_code, 'drug-free', make_date(2021 + c.i % 5, 12, 20), NULL FROM seed_communes c WHERE c.i % 7 = 0
) AS records;

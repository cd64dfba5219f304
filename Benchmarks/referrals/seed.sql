-- The referrals benchmark's data (Benchmarks/referrals.sh), written straight into the tables over
-- the registry's people and the real 2025 communes: the setup, not what is measured.
-- 2,000 partners (by turns serving a few communes, a whole province, or the whole country);
-- 20,000 open offers placed in real communes (courses, job openings, loan programmes); a
-- reintegration case for every person; for 40% of them a job referral with a placement and its
-- follow-ups, and for another 30% a referral still waiting for the partner's answer.
\set ON_ERROR_STOP on
BEGIN;
CREATE TEMP TABLE communes AS
SELECT code, province_code, row_number() OVER (ORDER BY code) AS n FROM registry.admin_units
WHERE generation = '2025' AND level = 'commune';
CREATE TEMP TABLE provinces AS
SELECT code, row_number() OVER (ORDER BY code) AS n FROM registry.admin_units WHERE generation = '2025' AND level = 'province';

CREATE TEMP TABLE bench_partners AS
SELECT gen_random_uuid() AS id, k AS n,
       (ARRAY['employment_centre', 'vocational_school', 'employer', 'social_policy_bank', 'reintegration_fund'])[1 + k % 5] AS kind,
       (SELECT code FROM provinces WHERE n = 1 + k % (SELECT count(*) FROM provinces)) AS province_code
FROM generate_series(1, 2000) AS k;
INSERT INTO referrals.partners (id, name, search_name, kind, province_code)
SELECT id, 'Đối tác ' || n, 'doi tac ' || n, kind, CASE WHEN n % 50 = 0 THEN NULL ELSE province_code END FROM bench_partners;
-- A third serve three communes of their province; a third their whole province (no rows); the
-- national ones everywhere.
INSERT INTO referrals.partner_areas (partner_id, province_code, commune_code)
SELECT p.id, c.province_code, c.code
FROM bench_partners p
JOIN LATERAL (SELECT code, province_code FROM communes WHERE province_code = p.province_code ORDER BY md5(p.id::text || code) LIMIT 3) c ON true
WHERE p.n % 3 = 0 AND p.n % 50 <> 0;

INSERT INTO referrals.offers
    (id, partner_id, kind, title, province_code, commune_code, trade, starts_on, ends_on, seats, cost_covered, position, employer,
     wage_min_vnd, wage_max_vnd, openings, purpose, limit_vnd, term_months, interest_rate)
SELECT gen_random_uuid(), p.id, kinds.kind, 'Ưu đãi ' || k, c.province_code, CASE WHEN k % 2 = 0 THEN c.code END,
       CASE WHEN kinds.kind = 'course' THEN 'Nghề ' || (k % 40) END,
       CASE WHEN kinds.kind = 'course' THEN date '2027-01-01' + (k % 300) END,
       CASE WHEN kinds.kind = 'course' THEN date '2027-04-01' + (k % 300) END,
       CASE WHEN kinds.kind = 'course' THEN 10 + k % 30 END, CASE WHEN kinds.kind = 'course' THEN k % 3 = 0 END,
       CASE WHEN kinds.kind = 'job' THEN 'Vị trí ' || (k % 60) END, CASE WHEN kinds.kind = 'job' THEN 'Doanh nghiệp ' || (k % 500) END,
       CASE WHEN kinds.kind = 'job' THEN 4000000 + (k % 20) * 250000 END, CASE WHEN kinds.kind = 'job' THEN 7000000 + (k % 20) * 300000 END,
       CASE WHEN kinds.kind = 'job' THEN 1 + k % 15 END,
       CASE WHEN kinds.kind = 'loan_programme' THEN 'Tạo việc làm' END, CASE WHEN kinds.kind = 'loan_programme' THEN 50000000 + (k % 10) * 10000000 END,
       CASE WHEN kinds.kind = 'loan_programme' THEN 36 + (k % 3) * 12 END, CASE WHEN kinds.kind = 'loan_programme' THEN 0.066 END
FROM generate_series(1, 20000) AS k
JOIN bench_partners p ON p.n = 1 + k % 2000
JOIN communes c ON c.n = 1 + (k * 7) % (SELECT count(*) FROM communes)
CROSS JOIN LATERAL (SELECT (ARRAY['course', 'job', 'loan_programme'])[1 + k % 3] AS kind) AS kinds;

CREATE TEMP TABLE people AS
SELECT id, residence_commune_code AS commune_code, residence_province_code AS province_code, row_number() OVER (ORDER BY id) AS n
FROM registry.people;
INSERT INTO referrals.cases (id, person_id, aftercare_id, status, opened_on, needs, commune_code, province_code)
SELECT gen_random_uuid(), id, gen_random_uuid(), 'open', date '2026-01-01' + (n % 300)::int,
       CASE n % 5 WHEN 0 THEN ARRAY['job'] WHEN 1 THEN ARRAY['vocational_training', 'job'] WHEN 2 THEN ARRAY['loan']
                  WHEN 3 THEN ARRAY['job', 'loan'] ELSE ARRAY['vocational_training'] END,
       commune_code, province_code
FROM people;

-- 40%: a job referral with a placement in 2026 and its three follow-ups; 30%: one waiting.
CREATE TEMP TABLE placed AS
SELECT gen_random_uuid() AS referral_id, p.*, (SELECT id FROM bench_partners WHERE n = 1 + p.n % 2000) AS partner_id,
       date '2026-01-01' + (p.n % 330)::int AS placed_on
FROM people p WHERE p.n % 10 < 4;
INSERT INTO referrals.referrals
    (id, person_id, partner_id, kind, request, commune_code, province_code, status, employer, position, wage_vnd, placed_on)
SELECT referral_id, id, partner_id, 'job', 'Việc làm', commune_code, province_code, 'hired', 'Doanh nghiệp', 'Công nhân', 7000000, placed_on
FROM placed;
INSERT INTO referrals.follow_ups (id, referral_id, months, due_on)
SELECT gen_random_uuid(), referral_id, m, (placed_on + make_interval(months => m))::date FROM placed, unnest(ARRAY[3, 6, 12]) AS m;
INSERT INTO referrals.referrals (id, person_id, partner_id, kind, request, commune_code, province_code, status)
SELECT gen_random_uuid(), p.id, (SELECT id FROM bench_partners WHERE n = 1 + p.n % 2000), 'job', 'Việc làm', p.commune_code, p.province_code, 'sent'
FROM people p WHERE p.n % 10 >= 7;
COMMIT;
VACUUM ANALYZE;

-- The national table's main figures for 2025 computed straight from the counting tables (the naive
-- way), for comparison with GET /v1/indicators/table?year=2025: people under management and in
-- treatment on the last day, admissions by form, after-care coverage, relapse rate.
SELECT count(DISTINCT s.person_id) FROM statistics.statuses s
WHERE s.status IN ('drug_user', 'addicted', 'in_treatment', 'in_aftercare') AND s.valid_from <= '2025-12-31' AND (s.valid_to IS NULL OR s.valid_to > '2025-12-31');
SELECT count(*) FROM statistics.episodes x WHERE x.started_on <= '2025-12-31' AND (x.ended_on IS NULL OR x.ended_on >= '2025-12-31');
SELECT x.form, count(*) FROM statistics.episodes x WHERE x.started_on BETWEEN '2025-01-01' AND '2025-12-31' GROUP BY 1;
SELECT count(*) FILTER (WHERE EXISTS (SELECT 1 FROM statistics.aftercare a WHERE a.episode_id = x.episode_id AND a.starts_on = x.ended_on + 1)), count(*)
FROM statistics.episodes x
WHERE x.status = 'completed' AND x.ended_on BETWEEN '2025-01-01' AND '2025-12-31' AND x.form IN ('voluntary_facility', 'compulsory', 'social_protection_centre');
SELECT (SELECT count(*) FROM statistics.relapses r WHERE r.detected_on BETWEEN '2025-01-01' AND '2025-12-31'),
       (SELECT count(*) FROM statistics.aftercare a WHERE a.starts_on <= '2025-12-31' AND coalesce(a.ended_on, a.ends_on) >= '2025-01-01');

-- One of the CSV's twenty indicators, people under management by commune at the end of each month
-- of 2021-2025, computed straight from the counting tables (the naive way), for comparison with
-- GET /v1/indicators/values?groupBy=commune&period=month&from=2021-01-01&to=2025-12-31&format=csv,
-- which answers every indicator for the same communes and months: each month's statuses valid on
-- its last day, each person's commune that day.
SELECT d.day, r.commune_code, count(*)
FROM (
    SELECT (m + INTERVAL '1 month' - INTERVAL '1 day')::date AS day
    FROM generate_series(DATE '2021-01-01', DATE '2025-12-01', INTERVAL '1 month') AS m
) d
JOIN statistics.statuses s
    ON s.valid_from <= d.day AND (s.valid_to IS NULL OR s.valid_to > d.day)
    AND s.status IN ('drug_user', 'addicted', 'in_treatment', 'in_aftercare')
CROSS JOIN LATERAL (
    SELECT r.commune_code FROM statistics.residences r
    WHERE r.person_id = s.person_id AND r.from_date <= d.day
    ORDER BY r.from_date DESC LIMIT 1
) r
GROUP BY 1, 2;

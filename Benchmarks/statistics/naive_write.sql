-- What a status change alters in the aggregates (the country's people under management on the
-- day), recomputed straight from the counting tables (the naive way), for comparison with the
-- live consumer's delay from a write to the aggregates.
SELECT count(*) FROM statistics.statuses s
WHERE s.status IN ('drug_user', 'addicted', 'in_treatment', 'in_aftercare')
  AND s.valid_from <= current_date AND (s.valid_to IS NULL OR s.valid_to > current_date);

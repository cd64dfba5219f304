-- A reintegration case's first counselling is looked up by the case (`Contributions.rows`, for
-- every event of a person with a case and for everyone in a rebuild): without this index each
-- lookup read the whole table.
CREATE INDEX counselling_case ON statistics.counselling (case_id, given_on);

-- A commune's treatment and after-care workforce for a year (`workforce` records: `year`,
-- `workers`, `declaredOn`): the denominator of the share of staff trained, whose numerator is the
-- commune's `training` records.
ALTER TABLE registry.programme_records DROP CONSTRAINT programme_records_kind_check;
ALTER TABLE registry.programme_records ADD CONSTRAINT programme_records_kind_check
    CHECK (kind IN ('campaign', 'aftercare-model', 'group', 'drug-free', 'training', 'workforce'));
-- One declaration per commune, year and day, so that the latest one is always clear.
CREATE UNIQUE INDEX programme_records_workforce ON registry.programme_records (commune_code, ((details ->> 'year')), on_date)
    WHERE kind = 'workforce';

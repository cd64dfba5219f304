-- A commune's treatment and after-care workforce for a year (`workforce` records: `year`,
-- `workers`, `declaredOn`): the denominator of the share of staff trained, whose numerator is the
-- commune's `training` records.
ALTER TABLE registry.programme_records DROP CONSTRAINT programme_records_kind_check;
ALTER TABLE registry.programme_records ADD CONSTRAINT programme_records_kind_check
    CHECK (kind IN ('campaign', 'aftercare-model', 'group', 'drug-free', 'training', 'workforce'));

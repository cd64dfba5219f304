-- Targets for a former district (3 digits, the list before 2025): plans counted by district (Ứng
-- Hòa's counts, one commune turned drug-free per district a year) are read against the rows shown
-- by former district.
ALTER TABLE statistics.targets DROP CONSTRAINT targets_area_code_check;
ALTER TABLE statistics.targets ADD CONSTRAINT targets_area_code_check CHECK (area_code ~ '^([0-9]{2}|[0-9]{3}|[0-9]{5})$');

-- A residence the registry recorded under a commune of the list before 2025: that code (its
-- commune_code is the 2025 commune of the official mapping). The people counted through such a
-- residence are counted again under the dimension `generation` = `legacy`, so that every value
-- can say whether some of it was mapped.
ALTER TABLE statistics.residences ADD COLUMN legacy_commune_code text;

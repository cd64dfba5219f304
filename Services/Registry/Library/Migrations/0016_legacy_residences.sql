-- A residence recorded under a commune of the list before 2025 (only for one begun before
-- 2025-07-01): the code as recorded. `commune_code` stays the 2025 commune the official mapping
-- places it in (its `whole` row, or the `divided-default` row of a divided commune).
ALTER TABLE registry.residences ADD COLUMN legacy_commune_code text
    CHECK (legacy_commune_code IS NULL OR from_date < DATE '2025-07-01');

-- Administrative units: the 2025 list (34 provinces, 3,321 communes, two tiers; valid from
-- 2025-07-01) and the list before it (63 provinces, districts, 10,035 communes; valid until
-- 2025-06-30), with the mapping from old communes to new ones. Filled by the registry at start-up
-- from the files it ships (ReferenceData/), again only when they change.

CREATE TABLE registry.admin_units (
    -- '2025' or 'legacy': codes of the two lists overlap, so a unit is known by both.
    generation text NOT NULL CHECK (generation IN ('2025', 'legacy')),
    level text NOT NULL CHECK (level IN ('province', 'district', 'commune')),
    code text NOT NULL CHECK (code ~ '^[0-9]{2,5}$'),
    name text NOT NULL,
    unit_type text,
    -- The unit directly above: a province for a 2025 commune or a legacy district, a district for
    -- a legacy commune; NULL for a province.
    parent_code text,
    province_code text NOT NULL,
    search_name text NOT NULL,
    valid_from date,
    valid_to date,
    latitude double precision,
    longitude double precision,
    area_km2 double precision,
    PRIMARY KEY (generation, level, code)
);
CREATE INDEX admin_units_parent ON registry.admin_units (generation, parent_code, code);
CREATE INDEX admin_units_search ON registry.admin_units USING gin (search_name extensions.gin_trgm_ops);

CREATE TABLE registry.admin_unit_mapping (
    legacy_commune_code text NOT NULL,
    commune_code text NOT NULL,
    -- whole, divided or divided-default (the part that keeps most of the old commune)
    kind text NOT NULL CHECK (kind IN ('whole', 'divided', 'divided-default')),
    PRIMARY KEY (legacy_commune_code, commune_code)
);
CREATE INDEX admin_unit_mapping_new ON registry.admin_unit_mapping (commune_code);

-- Which version of each shipped reference file is loaded.
CREATE TABLE registry.reference_loads (
    name text PRIMARY KEY,
    checksum text NOT NULL,
    rows integer NOT NULL,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

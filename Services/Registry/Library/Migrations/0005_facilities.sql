-- Treatment facilities: compulsory and voluntary treatment facilities, methadone clinics, social
-- protection centres. Managed by admins; every service refers to them by id.

CREATE TABLE registry.facilities (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 300),
    search_name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('compulsory_treatment', 'voluntary_treatment', 'methadone_clinic', 'social_protection_centre')),
    ownership text NOT NULL CHECK (ownership IN ('public', 'private')),
    province_code text NOT NULL,
    commune_code text,
    address text,
    -- Places (beds, or patients a methadone clinic can dose); NULL when not known.
    capacity integer CHECK (capacity >= 0),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1
);
CREATE INDEX facilities_province ON registry.facilities (province_code, kind);
CREATE INDEX facilities_search ON registry.facilities USING gin (search_name extensions.gin_trgm_ops);

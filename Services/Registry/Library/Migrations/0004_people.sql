-- People under management, their residence history, their management status over time, every
-- change to their record, and the idempotency keys of creating requests.

CREATE TABLE registry.people (
    id uuid PRIMARY KEY,
    -- Exactly as entered (Vietnamese with diacritics); search_name is its folded form
    -- (lower case, no diacritics, đ → d) for searching with or without diacritics.
    full_name text NOT NULL CHECK (length(full_name) BETWEEN 1 AND 200),
    search_name text NOT NULL,
    -- The full date when known; otherwise only the year.
    birth_date date,
    birth_year smallint NOT NULL CHECK (birth_year BETWEEN 1900 AND 2100),
    sex text NOT NULL CHECK (sex IN ('male', 'female')),
    ethnicity text,
    -- 12-digit CCCD, or a legacy 9-digit CMND (national_id_kind says which).
    national_id text UNIQUE CHECK (national_id ~ '^([0-9]{9}|[0-9]{12})$'),
    national_id_kind text CHECK (national_id_kind IN ('cccd', 'cmnd')),
    residence_commune_code text NOT NULL,
    residence_province_code text NOT NULL,
    residence_address text,
    residence_since date NOT NULL,
    phone text,
    occupation text,
    education text,
    substances text[] NOT NULL DEFAULT '{}',
    notes text,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CHECK (birth_date IS NULL OR EXTRACT(YEAR FROM birth_date) = birth_year),
    CHECK ((national_id IS NULL) = (national_id_kind IS NULL))
);
CREATE INDEX people_search ON registry.people USING gin (search_name extensions.gin_trgm_ops);
CREATE INDEX people_order ON registry.people (search_name, id);
CREATE INDEX people_commune ON registry.people (residence_commune_code, search_name, id);
CREATE INDEX people_province ON registry.people (residence_province_code, search_name, id);
-- Likely duplicates: the same folded name and birth year in one province.
CREATE INDEX people_likely_duplicate ON registry.people (residence_province_code, search_name, birth_year);

-- Where a person lived, from when to when; the open row (to_date NULL) is the current one.
CREATE TABLE registry.residences (
    person_id uuid NOT NULL REFERENCES registry.people (id),
    from_date date NOT NULL,
    to_date date,
    commune_code text NOT NULL,
    province_code text NOT NULL,
    address text,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by uuid,
    PRIMARY KEY (person_id, from_date),
    CHECK (to_date IS NULL OR to_date >= from_date)
);
CREATE UNIQUE INDEX residences_current ON registry.residences (person_id) WHERE to_date IS NULL;

-- Management status over time: [valid_from, valid_to) ranges; valid_to NULL is open-ended. A
-- drug_user row ends one year after its decision unless renewed.
CREATE TABLE registry.person_statuses (
    person_id uuid NOT NULL REFERENCES registry.people (id),
    valid_from date NOT NULL,
    valid_to date,
    status text NOT NULL CHECK (status IN ('drug_user', 'addicted', 'in_treatment', 'in_aftercare', 'management_ended')),
    basis text,
    recorded_at timestamptz NOT NULL DEFAULT now(),
    recorded_by uuid,
    PRIMARY KEY (person_id, valid_from),
    CHECK (valid_to IS NULL OR valid_to > valid_from)
);

-- Every change to a person's record: who, when, and each changed field's old and new value.
CREATE TABLE registry.person_changes (
    person_id uuid NOT NULL REFERENCES registry.people (id),
    version integer NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    changed_by uuid,
    changed_by_label text,
    -- The commune the person lived in when the change was made (a commune keeps seeing what it wrote).
    commune_code text NOT NULL,
    action text NOT NULL,
    changes jsonb NOT NULL,
    PRIMARY KEY (person_id, version)
);

-- A retried create with the same Idempotency-Key replays the first answer instead of creating twice.
CREATE TABLE registry.idempotency_keys (
    account_id uuid NOT NULL,
    key text NOT NULL,
    request_hash bytea NOT NULL,
    status integer,
    location text,
    body text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, key)
);
CREATE INDEX idempotency_keys_age ON registry.idempotency_keys (created_at);

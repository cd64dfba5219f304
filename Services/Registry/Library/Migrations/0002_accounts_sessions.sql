-- Staff accounts, their sessions (bearer tokens), other agencies' API keys, and login throttling.
-- Tokens and keys are stored only as SHA-256 hashes; passwords only as scrypt hashes.

CREATE TABLE registry.accounts (
    id uuid PRIMARY KEY,
    -- Lower-case login name: letters, digits, '.', '_' and '-'.
    username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{2,63}$'),
    display_name text NOT NULL CHECK (length(display_name) BETWEEN 1 AND 200),
    role text NOT NULL CHECK (role IN ('admin', 'province_officer', 'commune_officer', 'facility_staff', 'referral_partner', 'auditor')),
    jurisdiction_kind text NOT NULL CHECK (jurisdiction_kind IN ('national', 'province', 'commune', 'facility', 'partner')),
    -- Province code (2 digits), commune code (5 digits) or facility/partner id; NULL for national.
    jurisdiction_ref text,
    active boolean NOT NULL DEFAULT true,
    password_hash text NOT NULL,
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid REFERENCES registry.accounts (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CHECK (
        (role IN ('admin', 'auditor') AND jurisdiction_kind = 'national' AND jurisdiction_ref IS NULL)
        OR (role = 'province_officer' AND jurisdiction_kind = 'province' AND jurisdiction_ref ~ '^[0-9]{2}$')
        OR (role = 'commune_officer' AND jurisdiction_kind = 'commune' AND jurisdiction_ref ~ '^[0-9]{5}$')
        OR (role = 'facility_staff' AND jurisdiction_kind = 'facility' AND jurisdiction_ref ~ '^[0-9a-f-]{36}$')
        OR (role = 'referral_partner' AND jurisdiction_kind = 'partner' AND jurisdiction_ref ~ '^[0-9a-f-]{36}$')
    )
);

CREATE TABLE registry.sessions (
    id uuid PRIMARY KEY,
    account_id uuid NOT NULL REFERENCES registry.accounts (id),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    -- logout, password-changed, deactivated, admin
    revoked_reason text
);
CREATE INDEX sessions_account ON registry.sessions (account_id) WHERE revoked_at IS NULL;

CREATE TABLE registry.api_keys (
    id uuid PRIMARY KEY,
    label text NOT NULL CHECK (length(label) BETWEEN 1 AND 200),
    purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 500),
    -- Province (2 digits) or commune (5 digits) the key may read; NULL for the whole country.
    area_code text CHECK (area_code ~ '^([0-9]{2}|[0-9]{5})$'),
    key_hash bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid NOT NULL REFERENCES registry.accounts (id),
    expires_at timestamptz,
    revoked_at timestamptz,
    revoked_by uuid REFERENCES registry.accounts (id)
);

-- Consecutive failed logins per username (known or not, so that throttling reveals nothing).
CREATE TABLE registry.login_throttle (
    username text PRIMARY KEY,
    failures integer NOT NULL,
    last_failure_at timestamptz NOT NULL,
    blocked_until timestamptz
);

-- What every service may learn from a session token's hash: the account's id, username, role and
-- jurisdiction while the session is valid. The only door into these tables for other services.
CREATE FUNCTION registry.session_identity(token_hash bytea)
RETURNS TABLE (session_id uuid, account_id uuid, username text, role text, jurisdiction_kind text, jurisdiction_ref text, expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry AS $$
    SELECT s.id, a.id, a.username, a.role, a.jurisdiction_kind, a.jurisdiction_ref, s.expires_at
    FROM registry.sessions s JOIN registry.accounts a ON a.id = s.account_id
    WHERE s.token_hash = session_identity.token_hash
      AND s.revoked_at IS NULL AND s.expires_at > now() AND a.active
$$;

CREATE FUNCTION registry.api_key_identity(key_hash bytea)
RETURNS TABLE (key_id uuid, label text, purpose text, area_code text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry AS $$
    SELECT k.id, k.label, k.purpose, k.area_code FROM registry.api_keys k
    WHERE k.key_hash = api_key_identity.key_hash
      AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > now())
$$;

REVOKE ALL ON FUNCTION registry.session_identity(bytea), registry.api_key_identity(bytea) FROM PUBLIC;
GRANT USAGE ON SCHEMA registry TO treatment, referrals, statistics;
GRANT EXECUTE ON FUNCTION registry.session_identity(bytea), registry.api_key_identity(bytea)
    TO treatment, referrals, statistics;

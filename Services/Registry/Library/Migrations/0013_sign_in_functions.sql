-- Signing in as functions, so that the statistics dashboard can sign officers in without reading a
-- password hash: it asks for an account's scrypt parameters and salt (not secret), derives the key
-- from the typed password itself, and hands it to registry.open_session, which compares it with the
-- stored one, throttles failures exactly as POST /v1/auth/token does (the same functions) and opens
-- a session in registry.sessions, so that logout, deactivation and a password change end it too.
-- Those sessions are scoped to the dashboard: registry.session_identity (every API's door) does not
-- know them, so a dashboard cookie opens no API, and whoever can run open_session (the statistics
-- role) gains from it only what the dashboard shows: aggregates.

ALTER TABLE registry.sessions ADD COLUMN scope text NOT NULL DEFAULT 'api' CHECK (scope IN ('api', 'dashboard'));

-- A valid session of `p_scope` and its account; granted to no one (the two doors below use it).
CREATE FUNCTION registry.scoped_session_identity(p_token_hash bytea, p_scope text)
RETURNS TABLE (session_id uuid, account_id uuid, username text, role text, jurisdiction_kind text, jurisdiction_ref text, expires_at timestamptz)
LANGUAGE sql STABLE SET search_path = pg_catalog, registry AS $$
    SELECT s.id, a.id, a.username, a.role, a.jurisdiction_kind, a.jurisdiction_ref, s.expires_at
    FROM registry.sessions s JOIN registry.accounts a ON a.id = s.account_id
    WHERE s.token_hash = p_token_hash AND s.scope = p_scope
      AND s.revoked_at IS NULL AND s.expires_at > now() AND a.active
$$;

CREATE OR REPLACE FUNCTION registry.session_identity(token_hash bytea)
RETURNS TABLE (session_id uuid, account_id uuid, username text, role text, jurisdiction_kind text, jurisdiction_ref text, expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry AS $$
    SELECT * FROM registry.scoped_session_identity(session_identity.token_hash, 'api')
$$;

-- The same for a dashboard session (the statistics service's cookie).
CREATE FUNCTION registry.dashboard_session_identity(token_hash bytea)
RETURNS TABLE (session_id uuid, account_id uuid, username text, role text, jurisdiction_kind text, jurisdiction_ref text, expires_at timestamptz)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry AS $$
    SELECT * FROM registry.scoped_session_identity(dashboard_session_identity.token_hash, 'dashboard')
$$;

-- The throttle's policy, in one place: the first 5 consecutive failures of a username (known or
-- not) cost nothing; each further one blocks it for twice as long as the last, 1 s to 900 s.
CREATE FUNCTION registry.login_retry_after(p_username text) RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, registry AS $$
    SELECT ceil(EXTRACT(EPOCH FROM blocked_until - now()))::integer FROM registry.login_throttle
    WHERE username = p_username AND blocked_until > now()
$$;

-- Counts a failure; returns the block it starts in seconds, or NULL while failures are free.
CREATE FUNCTION registry.record_login_failure(p_username text) RETURNS integer
LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, registry AS $$
DECLARE
    v_failures integer;
    v_delay integer;
BEGIN
    INSERT INTO registry.login_throttle AS t (username, failures, last_failure_at)
    VALUES (p_username, 1, now())
    ON CONFLICT (username) DO UPDATE SET failures = t.failures + 1, last_failure_at = now()
    RETURNING failures INTO v_failures;
    IF v_failures <= 5 THEN
        RETURN NULL;
    END IF;
    v_delay := least(900, 1 << least(20, v_failures - 6));
    UPDATE registry.login_throttle SET blocked_until = now() + make_interval(secs => v_delay) WHERE username = p_username;
    RETURN v_delay;
END
$$;

CREATE FUNCTION registry.record_login_success(p_username text) RETURNS void
LANGUAGE sql VOLATILE SET search_path = pg_catalog, registry AS $$
    DELETE FROM registry.login_throttle WHERE username = p_username
$$;

-- A secret of this installation: unknown usernames get a salt derived from it, stable and unlike
-- any real one, so that the answer does not tell which usernames exist.
CREATE TABLE registry.sign_in_secret (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    secret text NOT NULL
);
INSERT INTO registry.sign_in_secret (secret) VALUES (gen_random_uuid()::text || gen_random_uuid()::text);

-- The scrypt parameters (`ln=15,r=8,p=1`) and salt (unpadded base64) to derive `p_username`'s key
-- with; for an unknown or inactive username, the default parameters and a decoy salt. `retry_after`:
-- seconds the username is still blocked for, so that a blocked one costs no key derivation.
CREATE FUNCTION registry.sign_in_parameters(p_username text)
RETURNS TABLE (parameters text, salt text, retry_after integer)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, registry AS $$
    SELECT coalesce(split_part(a.password_hash, '$', 3), 'ln=15,r=8,p=1'),
           coalesce(split_part(a.password_hash, '$', 4),
                    rtrim(encode(substr(sha256(convert_to(s.secret || ':' || p_username, 'UTF8')), 1, 16), 'base64'), '=')),
           registry.login_retry_after(p_username)
    FROM registry.sign_in_secret s
    LEFT JOIN registry.accounts a ON a.username = p_username AND a.active
$$;

-- Opens a dashboard session for `p_username` when `p_derived_key` (unpadded base64, as in the
-- stored hash) is its password's key and its role is one of `p_roles`. `outcome`: `opened`, `throttled` (with
-- `retry_after` seconds), `unknown-username`, `inactive-account`, `wrong-password` (each a counted
-- failure) or `role-not-allowed` (the password was right: no failure counted, no session).
CREATE FUNCTION registry.open_session(
    p_username text, p_derived_key text, p_token_hash bytea, p_lifetime_seconds integer, p_roles text[])
RETURNS TABLE (outcome text, session_id uuid, account_id uuid, expires_at timestamptz, retry_after integer)
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, registry AS $$
DECLARE
    v_account registry.accounts%ROWTYPE;
    v_wait integer;
    v_session uuid := gen_random_uuid();
    v_expires timestamptz := now() + make_interval(secs => p_lifetime_seconds);
BEGIN
    IF p_lifetime_seconds IS NULL OR p_lifetime_seconds NOT BETWEEN 60 AND 604800 THEN
        RAISE EXCEPTION 'session lifetime % s is out of range', p_lifetime_seconds USING ERRCODE = '22023';
    END IF;
    v_wait := registry.login_retry_after(p_username);
    IF v_wait IS NOT NULL THEN
        RETURN QUERY SELECT 'throttled'::text, NULL::uuid, NULL::uuid, NULL::timestamptz, v_wait;
        RETURN;
    END IF;
    SELECT * INTO v_account FROM registry.accounts a WHERE a.username = p_username;
    IF NOT FOUND OR NOT v_account.active OR coalesce(p_derived_key, '') = ''
       OR split_part(v_account.password_hash, '$', 5) IS DISTINCT FROM p_derived_key THEN
        PERFORM registry.record_login_failure(p_username);
        RETURN QUERY SELECT
            CASE WHEN v_account.id IS NULL THEN 'unknown-username'
                 WHEN NOT v_account.active THEN 'inactive-account'
                 ELSE 'wrong-password' END,
            NULL::uuid, v_account.id, NULL::timestamptz, NULL::integer;
        RETURN;
    END IF;
    PERFORM registry.record_login_success(p_username);
    IF NOT coalesce(v_account.role = ANY (p_roles), false) THEN
        RETURN QUERY SELECT 'role-not-allowed'::text, NULL::uuid, v_account.id, NULL::timestamptz, NULL::integer;
        RETURN;
    END IF;
    INSERT INTO registry.sessions (id, account_id, token_hash, expires_at, scope)
    VALUES (v_session, v_account.id, p_token_hash, v_expires, 'dashboard');
    RETURN QUERY SELECT 'opened'::text, v_session, v_account.id, v_expires, NULL::integer;
END
$$;

-- Ends the dashboard session whose token hashes to `p_token_hash` (sign-out); false when it was not open.
CREATE FUNCTION registry.close_session(p_token_hash bytea, p_reason text) RETURNS boolean
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, registry AS $$
    UPDATE registry.sessions SET revoked_at = now(), revoked_reason = p_reason
    WHERE token_hash = p_token_hash AND scope = 'dashboard' AND revoked_at IS NULL
    RETURNING true
$$;

REVOKE ALL ON FUNCTION registry.scoped_session_identity(bytea, text), registry.login_retry_after(text), registry.record_login_failure(text), registry.record_login_success(text),
    registry.sign_in_parameters(text), registry.open_session(text, text, bytea, integer, text[]), registry.close_session(bytea, text),
    registry.dashboard_session_identity(bytea)
    FROM PUBLIC;
GRANT EXECUTE ON FUNCTION registry.sign_in_parameters(text), registry.open_session(text, text, bytea, integer, text[]),
    registry.close_session(bytea, text), registry.dashboard_session_identity(bytea) TO statistics;

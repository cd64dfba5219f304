-- Roles, schemas and privileges of the recovery system.
--
-- Run as a superuser while connected to the target database (normally `recovery`; the test suites
-- run it in each per-suite database). Idempotent: running it again changes nothing and succeeds,
-- also when two sessions run it at the same time in different databases of one cluster.
--
-- Plain SQL only (no psql meta-commands), so it can be sent as one string through libpq's PQexec.
-- No passwords here: see set-passwords.sh.
--
-- What it sets up:
--   * login roles registry, treatment, referrals, statistics, each owning the schema of its name;
--   * NOLOGIN role bus_owner owning schema bus (the shared event log), with USAGE granted to the
--     four service roles (table privileges come from later migrations);
--   * schema public closed to PUBLIC; CONNECT on this database only for the four service roles.

DO $setup$
DECLARE
    service text;
    services constant text[] := ARRAY['registry', 'treatment', 'referrals', 'statistics'];
BEGIN
    -- Roles are cluster-wide: create them only when missing. Another session may be creating the
    -- same role at this moment (test suites run in parallel), so a duplicate is not an error.
    FOREACH service IN ARRAY services || ARRAY['bus_owner'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = service) THEN
            BEGIN
                IF service = 'bus_owner' THEN
                    EXECUTE format('CREATE ROLE %I NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', service);
                ELSE
                    EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE', service);
                END IF;
            EXCEPTION
                WHEN duplicate_object OR unique_violation THEN
                    NULL;
            END;
        END IF;
    END LOOP;

    -- A service role that exists without LOGIN (created by hand, say) is given it.
    FOREACH service IN ARRAY services LOOP
        IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = service AND NOT rolcanlogin) THEN
            EXECUTE format('ALTER ROLE %I LOGIN', service);
        END IF;
    END LOOP;

    -- Database: nobody connects but the service roles (superusers always can).
    EXECUTE format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', current_database());
    FOREACH service IN ARRAY services LOOP
        EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), service);
    END LOOP;

    -- Schema public: no objects and no use by anyone but superusers.
    REVOKE ALL ON SCHEMA public FROM PUBLIC;

    -- One private schema per service, owned by its role.
    FOREACH service IN ARRAY services LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = service) THEN
            EXECUTE format('CREATE SCHEMA IF NOT EXISTS %I AUTHORIZATION %I', service, service);
        END IF;
        EXECUTE format('ALTER SCHEMA %I OWNER TO %I', service, service);
        EXECUTE format('REVOKE ALL ON SCHEMA %I FROM PUBLIC', service);
    END LOOP;

    -- Schema bus: the shared event log, owned by bus_owner; every service may look into it.
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'bus') THEN
        CREATE SCHEMA IF NOT EXISTS bus AUTHORIZATION bus_owner;
    END IF;
    ALTER SCHEMA bus OWNER TO bus_owner;
    REVOKE ALL ON SCHEMA bus FROM PUBLIC;
    FOREACH service IN ARRAY services LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA bus TO %I', service);
    END LOOP;
END
$setup$;

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
--   * NOLOGIN role audit_owner owning schema audit (the append-only, hash-chained audit trail);
--   * schema extensions with pg_trgm, usable by the four service roles;
--   * schema public closed to PUBLIC; CONNECT on this database only for the four service roles.

DO $setup$
DECLARE
    service text;
    services constant text[] := ARRAY['registry', 'treatment', 'referrals', 'statistics'];
BEGIN
    -- Roles are cluster-wide: create them only when missing. Another session may be creating the
    -- same role at this moment (test suites run in parallel), so a duplicate is not an error.
    FOREACH service IN ARRAY services || ARRAY['bus_owner', 'audit_owner'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = service) THEN
            BEGIN
                IF service IN ('bus_owner', 'audit_owner') THEN
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

    -- Schema audit: the audit trail, owned by audit_owner; every service appends to it.
    IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = 'audit') THEN
        CREATE SCHEMA IF NOT EXISTS audit AUTHORIZATION audit_owner;
    END IF;
    ALTER SCHEMA audit OWNER TO audit_owner;
    REVOKE ALL ON SCHEMA audit FROM PUBLIC;
    FOREACH service IN ARRAY services LOOP
        EXECUTE format('GRANT USAGE ON SCHEMA audit TO %I', service);
    END LOOP;
END
$setup$;

-- Extensions the services use, in a schema of their own (public is closed): pg_trgm for searching
-- names by any part (trigram indexes serve LIKE '%...%').
CREATE SCHEMA IF NOT EXISTS extensions;
REVOKE ALL ON SCHEMA extensions FROM PUBLIC;
GRANT USAGE ON SCHEMA extensions TO registry, treatment, referrals, statistics;
DO $extensions$
BEGIN
    CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions;
EXCEPTION
    -- Two databases of one cluster set up at once may race on the extension's catalog rows.
    WHEN unique_violation OR duplicate_object THEN NULL;
END
$extensions$;

-- The event bus (Shared/EventBus): an append-only log and each consumer's position in it.
-- Owned by bus_owner; the services publish and consume through the grants below. Changes to these
-- tables are made here, idempotently, since no single service owns them.
SET client_min_messages = warning;

-- The log is partitioned by range of `xid`, its reading order: a consumer's claim states the
-- position's xid as a lower bound, so it reads only the partitions at or after its position,
-- whatever the log's length; retention (bus.prune) drops whole partitions. Each partition spans
-- about a month of transaction ids (bus.extend_partitions, run by every service at start and then
-- hourly, keeps two months ahead); the default partition takes any event no range partition
-- covers yet, so a publish never fails for want of one.
--
-- A log made before partitioning (a plain table) is converted here once: renamed, its events
-- copied into the partitioned table under a partition of their own, then dropped. The copy holds
-- the old table's lock: services publishing meanwhile wait for it.
DO $convert_log$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
               WHERE n.nspname = 'bus' AND c.relname = 'events' AND c.relkind = 'r') THEN
        LOCK TABLE bus.events IN ACCESS EXCLUSIVE MODE;
        ALTER TABLE bus.events RENAME TO events_unpartitioned;
        ALTER TABLE bus.events_unpartitioned RENAME CONSTRAINT events_pkey TO events_unpartitioned_pkey;
        ALTER INDEX bus.events_slot_position RENAME TO events_unpartitioned_slot_position;
        ALTER SEQUENCE bus.events_id_seq RENAME TO events_unpartitioned_id_seq;
    END IF;
END
$convert_log$;

CREATE TABLE IF NOT EXISTS bus.events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    -- The publishing transaction: a consumer reads only below the oldest transaction still
    -- running that may publish, so an event whose transaction commits late is never skipped.
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    topic text NOT NULL,
    type text NOT NULL,
    version integer NOT NULL,
    key text NOT NULL,
    -- hash(key) mod 64, computed by the publisher: events of one key share a slot, and a slot is
    -- handled by one worker at a time, so a key's events are handled in publish order.
    slot smallint NOT NULL CHECK (slot BETWEEN 0 AND 63),
    occurred_at timestamptz NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    producer text NOT NULL DEFAULT current_user,
    correlation_id uuid,
    payload jsonb NOT NULL,
    PRIMARY KEY (xid, id)
) PARTITION BY RANGE (xid);
CREATE INDEX IF NOT EXISTS events_slot_position ON bus.events (slot, xid, id);
ALTER TABLE bus.events OWNER TO bus_owner;
CREATE TABLE IF NOT EXISTS bus.events_default PARTITION OF bus.events DEFAULT;
ALTER TABLE bus.events_default OWNER TO bus_owner;

-- The transaction id below which every transaction that may still publish into this database's
-- log has ended: the oldest one running in this database as a role that may insert into
-- bus.events, or the next id to be assigned when none is. Consumers read only below it
-- (Shared/EventBus/ConsumerStore.swift), so an event committed late is never skipped; retention
-- drops only partitions below it, so none goes with an event still to be committed into it.
-- A running transaction counts unless its backend is known not to publish: connected to another
-- database, or as a role without that privilege (the statistics service's, whose own batches
-- would otherwise hold back what it reads next). One whose backend is not found (a prepared
-- transaction, one that ended meanwhile) counts. PL/pgSQL, so that each session plans it once.
CREATE OR REPLACE FUNCTION bus.publishing_horizon() RETURNS xid8 LANGUAGE plpgsql STABLE AS $horizon$
BEGIN
    RETURN (
        SELECT coalesce(
            (SELECT min(x) FROM pg_catalog.pg_snapshot_xip(s) AS x
             WHERE NOT EXISTS (
                 SELECT 1 FROM pg_catalog.pg_stat_activity a
                 WHERE a.backend_xid::text = (x::text::bigint % 4294967296)::text
                   AND (a.datname <> pg_catalog.current_database()
                        OR NOT pg_catalog.has_table_privilege(a.usesysid, 'bus.events', 'INSERT')))),
            pg_catalog.pg_snapshot_xmax(s))
        FROM pg_catalog.pg_current_snapshot() AS s);
END
$horizon$;
ALTER FUNCTION bus.publishing_horizon() OWNER TO bus_owner;

-- The range partitions of bus.events with their bounds (transaction ids), read from the catalogue.
CREATE OR REPLACE FUNCTION bus.event_partitions()
RETURNS TABLE (name text, lower numeric, upper numeric) LANGUAGE sql STABLE SET search_path = pg_catalog AS $partitions$
    SELECT c.relname::text, b[1]::numeric, b[2]::numeric
    FROM pg_inherits i
    JOIN pg_class c ON c.oid = i.inhrelid
    CROSS JOIN LATERAL regexp_match(pg_get_expr(c.relpartbound, c.oid), 'FROM \(''(\d+)''\) TO \(''(\d+)''\)') AS b
    WHERE i.inhparent = 'bus.events'::regclass AND b IS NOT NULL
$partitions$;
ALTER FUNCTION bus.event_partitions() OWNER TO bus_owner;

-- Creates range partitions of bus.events so that they reach two `period`s past the next
-- transaction id (and the margin below), and at least an hour of transaction ids at the rate seen
-- lately; returns how many it created. A partition's span is the transaction ids used in a `period` at the rate seen
-- between the first and last events of the newest partition holding events (over at least an
-- hour) but at most four times the newest partition's span, else the newest partition's span,
-- and never less than `minimum_span`. The rate seen lately is that newest partition's over at
-- least a minute. Once the partitions have run out (the log's default partition takes what none
-- covers), new ones start above every event of the default partition and a margin (a minute of
-- ids at that rate, at least 1,000) above the next transaction id: attaching one locks the
-- default partition and checks it, and a publisher whose id fell in the new range meanwhile
-- would be refused. Publishers wait while partitions are made (at most the lock timeout, a
-- second, for the publishing transactions under way). Serialised by an advisory lock (the four services call it every minute);
-- gives up quietly (returns 0) when a lock it needs is not granted within a second, e.g. while a
-- rebuild reads the whole log.
CREATE OR REPLACE FUNCTION bus.extend_partitions(period interval DEFAULT '1 month', minimum_span bigint DEFAULT 100000)
RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, bus SET lock_timeout = '1s' AS $extend$
DECLARE
    next_xid numeric := pg_snapshot_xmax(pg_current_snapshot())::text::numeric;
    part record;
    first_event record;
    last_event record;
    newest numeric;
    top numeric;
    rate numeric := 0;
    span numeric;
    ahead numeric;
    margin numeric;
    start numeric;
    created integer := 0;
    partition text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('bus.extend_partitions'));
    SELECT p.upper - p.lower, p.upper INTO newest, top FROM bus.event_partitions() p ORDER BY p.upper DESC LIMIT 1;
    span := greatest(minimum_span, coalesce(newest, 0));
    FOR part IN SELECT p.name FROM bus.event_partitions() p ORDER BY p.upper DESC LOOP
        EXECUTE format('SELECT xid::text::numeric AS xid, published_at FROM bus.%I ORDER BY xid, id LIMIT 1', part.name) INTO first_event;
        CONTINUE WHEN first_event IS NULL;
        EXECUTE format('SELECT xid::text::numeric AS xid, published_at FROM bus.%I ORDER BY xid DESC, id DESC LIMIT 1', part.name) INTO last_event;
        IF last_event.published_at - first_event.published_at >= interval '1 minute' THEN
            rate := (last_event.xid - first_event.xid) / extract(epoch FROM last_event.published_at - first_event.published_at);
        END IF;
        IF last_event.published_at - first_event.published_at >= interval '1 hour' THEN
            -- At most four times the newest partition's: a burst of writes (a bulk import) within
            -- the hours measured grows the spans step by step, not into one partition of years.
            span := greatest(minimum_span, least(4 * newest, ceil(rate * extract(epoch FROM period))));
        END IF;
        EXIT;
    END LOOP;
    ahead := greatest(2 * span, ceil(rate * 3600));
    IF top >= next_xid + ahead THEN
        RETURN 0;
    END IF;
    -- Publishers wait while the ranges are placed: a SHARE lock on the log itself, which the lock
    -- of every INSERT into it conflicts with, taken first, so that every insert under way has
    -- ended and every later one sees the new partitions when it routes its event. (An insert
    -- that began before an attach kept its view of the partitions without it: an event of a new
    -- range then went to the default partition and was refused there, SQLSTATE 23514.)
    LOCK TABLE ONLY bus.events IN SHARE MODE;
    -- Attaching takes this lock anyway: taken first, no event enters the default partition while
    -- the new ranges are placed above its events.
    LOCK TABLE bus.events_default IN ACCESS EXCLUSIVE MODE;
    next_xid := pg_snapshot_xmax(pg_current_snapshot())::text::numeric;
    margin := greatest(1000, ceil(rate * 60));
    start := greatest(CASE WHEN top >= next_xid + margin THEN top ELSE next_xid + margin END,
                      (SELECT max(xid)::text::numeric + 1 FROM bus.events_default));
    WHILE start < next_xid + margin + ahead LOOP
        partition := 'events_' || start;
        EXECUTE format('CREATE TABLE bus.%I (LIKE bus.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', partition);
        EXECUTE format('ALTER TABLE bus.events ATTACH PARTITION bus.%I FOR VALUES FROM (%L) TO (%L)', partition, start, start + span);
        start := start + span;
        created := created + 1;
    END LOOP;
    RETURN created;
EXCEPTION WHEN lock_not_available THEN
    RETURN 0;
END
$extend$;
ALTER FUNCTION bus.extend_partitions(interval, bigint) OWNER TO bus_owner;
REVOKE ALL ON FUNCTION bus.extend_partitions(interval, bigint) FROM PUBLIC;

-- The events of a log converted above: a partition of their own, the identity carried on.
DO $copy_log$
DECLARE
    lower numeric;
    upper numeric;
BEGIN
    IF to_regclass('bus.events_unpartitioned') IS NULL THEN
        RETURN;
    END IF;
    SELECT min(xid)::text::numeric, max(xid)::text::numeric + 1 INTO lower, upper FROM bus.events_unpartitioned;
    IF lower IS NOT NULL THEN
        EXECUTE format('CREATE TABLE bus.%I (LIKE bus.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', 'events_' || lower);
        EXECUTE format('ALTER TABLE bus.%I OWNER TO bus_owner', 'events_' || lower);
        EXECUTE format('ALTER TABLE bus.events ATTACH PARTITION bus.%I FOR VALUES FROM (%L) TO (%L)', 'events_' || lower, lower, upper);
        INSERT INTO bus.events (id, xid, topic, type, version, key, slot, occurred_at, published_at, producer, correlation_id, payload)
        OVERRIDING SYSTEM VALUE
        SELECT id, xid, topic, type, version, key, slot, occurred_at, published_at, producer, correlation_id, payload
        FROM bus.events_unpartitioned;
    END IF;
    PERFORM setval(pg_get_serial_sequence('bus.events', 'id'), last_value, is_called) FROM bus.events_unpartitioned_id_seq;
    DROP TABLE bus.events_unpartitioned;
END
$copy_log$;

-- A consumer subscribes to topics; its position is one row per slot.
CREATE TABLE IF NOT EXISTS bus.consumers (
    name text PRIMARY KEY CHECK (name ~ '^[a-z][a-z0-9_]*\.[a-z0-9_.-]+$'),
    topics text[] NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE bus.consumers OWNER TO bus_owner;

CREATE TABLE IF NOT EXISTS bus.consumer_slots (
    consumer text NOT NULL REFERENCES bus.consumers (name) ON DELETE CASCADE,
    slot smallint NOT NULL CHECK (slot BETWEEN 0 AND 63),
    -- Events up to and including (after_xid, after_id) are handled or held.
    after_xid xid8 NOT NULL,
    after_id bigint NOT NULL,
    handled_at timestamptz,
    PRIMARY KEY (consumer, slot)
);
ALTER TABLE bus.consumer_slots OWNER TO bus_owner;

-- Events a consumer could not handle yet: failed ones waiting for a retry or parked as dead, and
-- later events of the same key waiting behind them.
CREATE TABLE IF NOT EXISTS bus.held_events (
    consumer text NOT NULL REFERENCES bus.consumers (name) ON DELETE CASCADE,
    event_xid xid8 NOT NULL,
    event_id bigint NOT NULL,
    slot smallint NOT NULL,
    key text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    dead_at timestamptz,
    held_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_xid, event_id)
);
CREATE INDEX IF NOT EXISTS held_events_key ON bus.held_events (consumer, key, event_xid, event_id);
ALTER TABLE bus.held_events OWNER TO bus_owner;

-- Wake-ups are not sent from the publishing transaction: NOTIFY takes a cluster-wide lock while
-- its transaction commits, which serialised every publisher. Each service's BusNotifier sends
-- them after the commit, from a connection of its own (Shared/EventBus/BusNotifier.swift). The
-- trigger that notified earlier is removed from existing databases.
DROP TRIGGER IF EXISTS events_notify ON bus.events;
DROP FUNCTION IF EXISTS bus.notify_published();

-- Every service consumes; all but the statistics service publish. A consumer's rows belong to the
-- service whose name prefixes the consumer's name ('statistics.indicators' is the statistics
-- service's). A role that may not insert events does not hold back delivery while its
-- transactions run (Shared/EventBus/ConsumerStore.swift, `horizon`): the statistics service's
-- batches and rebuilds write for seconds on end.
DO $grants$
DECLARE
    service text;
BEGIN
    FOREACH service IN ARRAY ARRAY['registry', 'treatment', 'referrals', 'statistics'] LOOP
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON bus.consumers, bus.consumer_slots, bus.held_events TO %I', service);
    END LOOP;
    FOREACH service IN ARRAY ARRAY['registry', 'treatment', 'referrals'] LOOP
        EXECUTE format('GRANT SELECT, INSERT ON bus.events TO %I', service);
    END LOOP;
END
$grants$;
GRANT SELECT ON bus.events TO statistics;
REVOKE INSERT ON bus.events FROM statistics;
-- What `bus partitions` counts: events no range partition covered (readable through bus.events too).
GRANT SELECT ON bus.events_default TO registry, treatment, referrals, statistics;

ALTER TABLE bus.consumers ENABLE ROW LEVEL SECURITY;
ALTER TABLE bus.consumer_slots ENABLE ROW LEVEL SECURITY;
ALTER TABLE bus.held_events ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS own_consumers ON bus.consumers;
CREATE POLICY own_consumers ON bus.consumers USING (split_part(name, '.', 1) = current_user);
DROP POLICY IF EXISTS own_slots ON bus.consumer_slots;
CREATE POLICY own_slots ON bus.consumer_slots USING (split_part(consumer, '.', 1) = current_user);
DROP POLICY IF EXISTS own_held ON bus.held_events;
CREATE POLICY own_held ON bus.held_events USING (split_part(consumer, '.', 1) = current_user);

-- Retention: drops, oldest first, the range partitions whose every event is older than
-- `retention` (by its transaction's newest event), handled by every consumer (per slot, the least
-- advanced consumer's position; a slot no consumer reads keeps all) and held by none, and that
-- lie below bus.publishing_horizon() (no transaction that may still publish into them runs); then deletes such events from the default partition, at most
-- `batch` of them (not in a call that dropped a partition). Returns how many events went: call it
-- until it returns 0. An event may so outlive the retention by up to a
-- partition's span (about a month). A drop waits at most a second for its lock (it briefly
-- blocks the log); one not granted is left for the next call. Runs as bus_owner, which sees every
-- consumer's position; the services may call it.
CREATE OR REPLACE FUNCTION bus.prune(retention interval, batch integer DEFAULT 10000)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, bus SET lock_timeout = '1s' AS $prune$
DECLARE
    removed bigint := 0;
    deleted bigint;
    ended numeric := bus.publishing_horizon()::text::numeric;
    part record;
    newest timestamptz;
    kept boolean;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('bus.extend_partitions'));
    FOR part IN SELECT p.name, p.lower, p.upper FROM bus.event_partitions() p WHERE p.upper <= ended ORDER BY p.lower LOOP
        EXECUTE format('SELECT published_at FROM bus.%I ORDER BY xid DESC, id DESC LIMIT 1', part.name) INTO newest;
        EXIT WHEN newest >= now() - retention;
        EXECUTE format($kept$
            WITH done AS (
                SELECT DISTINCT ON (slot) slot, after_xid, after_id FROM bus.consumer_slots
                ORDER BY slot, after_xid, after_id
            )
            SELECT EXISTS (
                SELECT 1 FROM generate_series(0, 63) AS s (slot) LEFT JOIN done d ON d.slot = s.slot
                WHERE CASE WHEN d.slot IS NULL THEN EXISTS (SELECT 1 FROM bus.%1$I e WHERE e.slot = s.slot)
                           ELSE EXISTS (SELECT 1 FROM bus.%1$I e WHERE e.slot = s.slot AND (e.xid, e.id) > (d.after_xid, d.after_id))
                      END
            ) OR EXISTS (SELECT 1 FROM bus.held_events h WHERE h.event_xid >= %2$L::xid8 AND h.event_xid < %3$L::xid8)
            $kept$, part.name, part.lower, part.upper) INTO kept;
        EXIT WHEN kept;
        BEGIN
            EXECUTE format('SELECT count(*) FROM bus.%I', part.name) INTO deleted;
            EXECUTE format('DROP TABLE bus.%I', part.name);
            removed := removed + deleted;
        EXCEPTION WHEN lock_not_available THEN
            EXIT;
        END;
    END LOOP;
    -- The lock the drops took is held until the caller commits: return to release it.
    IF removed > 0 THEN
        RETURN removed;
    END IF;
    WITH done AS (
        SELECT DISTINCT ON (slot) slot, after_xid, after_id FROM bus.consumer_slots
        ORDER BY slot, after_xid, after_id
    ), doomed AS (
        SELECT e.xid, e.id FROM bus.events_default e JOIN done d ON d.slot = e.slot
        WHERE (e.xid, e.id) <= (d.after_xid, d.after_id)
          AND e.published_at < now() - retention
          AND NOT EXISTS (SELECT 1 FROM bus.held_events h WHERE h.event_xid = e.xid AND h.event_id = e.id)
        ORDER BY e.xid, e.id
        LIMIT batch
    )
    DELETE FROM bus.events_default e USING doomed WHERE e.xid = doomed.xid AND e.id = doomed.id;
    GET DIAGNOSTICS deleted = ROW_COUNT;
    RETURN removed + deleted;
END
$prune$;
ALTER FUNCTION bus.prune(interval, integer) OWNER TO bus_owner;
REVOKE ALL ON FUNCTION bus.prune(interval, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION bus.prune(interval, integer) TO registry, treatment, referrals, statistics;
GRANT EXECUTE ON FUNCTION bus.extend_partitions(interval, bigint) TO registry, treatment, referrals, statistics;

-- The audit trail (Shared/Audit): who did what to which record, when, with what outcome. Every
-- service appends its own entries (row-level security: `service` is the inserting role) and may
-- neither change nor delete any; only the registry reads them (for auditors) and seals them.
-- Sealing appends, in (xid, id) order, one row per entry to audit.chain whose hash covers the
-- entry and the previous row's hash, so that an edited or deleted entry breaks the chain.
CREATE TABLE IF NOT EXISTS audit.entries (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The writing transaction: the sealer reads only below the oldest running transaction, so an
    -- entry whose transaction commits late is never passed over.
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    service text NOT NULL DEFAULT current_user,
    request_id text,
    actor_kind text NOT NULL CHECK (actor_kind IN ('account', 'api_key', 'system', 'anonymous')),
    actor_id uuid,
    -- The account's username (or the key's label) at the time: accounts can be renamed.
    actor_label text,
    action text NOT NULL,
    resource text NOT NULL,
    resource_id text,
    -- The person whose data was read or written, when there is one: what an auditor searches by.
    person_id uuid,
    outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'failed')),
    detail jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS entries_position ON audit.entries (xid, id);
CREATE INDEX IF NOT EXISTS entries_person ON audit.entries (person_id, at) WHERE person_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_actor ON audit.entries (actor_id, at) WHERE actor_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS entries_at ON audit.entries (at);
ALTER TABLE audit.entries OWNER TO audit_owner;

CREATE TABLE IF NOT EXISTS audit.chain (
    seq bigint PRIMARY KEY CHECK (seq > 0),
    entry_id bigint NOT NULL UNIQUE,
    entry_xid xid8 NOT NULL,
    -- SHA-256 of the previous row's hash (32 zero bytes for seq 1) and the entry's canonical form.
    hash bytea NOT NULL CHECK (length(hash) = 32),
    sealed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
ALTER TABLE audit.chain OWNER TO audit_owner;
-- Each link's seal: HMAC-SHA256 under a key the database never sees (the registry's
-- AUDIT_SEAL_KEY), so that an owner who rewrites entries and recomputes the hashes cannot seal
-- them. NULL for links sealed without a key; the registry seals those once it has one, and a seal
-- once set never changes.
ALTER TABLE audit.chain ADD COLUMN IF NOT EXISTS seal bytea CHECK (length(seal) = 32);
CREATE INDEX IF NOT EXISTS chain_unsealed ON audit.chain (seq) WHERE seal IS NULL;
CREATE OR REPLACE FUNCTION audit.keep_seal() RETURNS trigger LANGUAGE plpgsql AS $keep_seal$
BEGIN
    IF OLD.seal IS NOT NULL OR NEW.seq <> OLD.seq OR NEW.entry_id <> OLD.entry_id OR NEW.hash <> OLD.hash THEN
        RAISE EXCEPTION 'audit link % is sealed: only a missing seal may be added', OLD.seq;
    END IF;
    RETURN NEW;
END
$keep_seal$;
ALTER FUNCTION audit.keep_seal() OWNER TO audit_owner;
CREATE OR REPLACE TRIGGER chain_keep_seal BEFORE UPDATE ON audit.chain FOR EACH ROW EXECUTE FUNCTION audit.keep_seal();

DO $audit_grants$
DECLARE
    service text;
BEGIN
    FOREACH service IN ARRAY ARRAY['registry', 'treatment', 'referrals', 'statistics'] LOOP
        EXECUTE format('GRANT INSERT ON audit.entries TO %I', service);
    END LOOP;
END
$audit_grants$;
GRANT SELECT ON audit.entries TO registry;
GRANT SELECT, INSERT ON audit.chain TO registry;
GRANT UPDATE (seal) ON audit.chain TO registry;

ALTER TABLE audit.entries ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS append_own ON audit.entries;
CREATE POLICY append_own ON audit.entries FOR INSERT WITH CHECK (service = current_user);
DROP POLICY IF EXISTS registry_reads ON audit.entries;
CREATE POLICY registry_reads ON audit.entries FOR SELECT TO registry USING (true);

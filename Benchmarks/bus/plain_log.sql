-- The event log as deploy/sql/setup.sql made it before partitioning (up to 3bfd186): one plain
-- table, and retention by batched deletes. Benchmarks/bus_partitions.sh runs it, after setup.sql,
-- in the database that measures the log "before".
DROP TABLE bus.events;
CREATE TABLE bus.events (
    id bigint GENERATED ALWAYS AS IDENTITY,
    xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    topic text NOT NULL,
    type text NOT NULL,
    version integer NOT NULL,
    key text NOT NULL,
    slot smallint NOT NULL CHECK (slot BETWEEN 0 AND 63),
    occurred_at timestamptz NOT NULL,
    published_at timestamptz NOT NULL DEFAULT now(),
    producer text NOT NULL DEFAULT current_user,
    correlation_id uuid,
    payload jsonb NOT NULL,
    PRIMARY KEY (xid, id)
);
CREATE INDEX events_slot_position ON bus.events (slot, xid, id);
ALTER TABLE bus.events OWNER TO bus_owner;

CREATE OR REPLACE FUNCTION bus.prune(retention interval, batch integer DEFAULT 10000)
RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, bus AS $prune$
DECLARE
    removed bigint;
BEGIN
    WITH done AS (
        SELECT DISTINCT ON (slot) slot, after_xid, after_id FROM bus.consumer_slots
        ORDER BY slot, after_xid, after_id
    ), doomed AS (
        SELECT e.xid, e.id FROM bus.events e JOIN done d ON d.slot = e.slot
        WHERE (e.xid, e.id) <= (d.after_xid, d.after_id)
          AND e.published_at < now() - retention
          AND NOT EXISTS (SELECT 1 FROM bus.held_events h WHERE h.event_xid = e.xid AND h.event_id = e.id)
        ORDER BY e.xid, e.id
        LIMIT batch
    )
    DELETE FROM bus.events e USING doomed WHERE e.xid = doomed.xid AND e.id = doomed.id;
    GET DIAGNOSTICS removed = ROW_COUNT;
    RETURN removed;
END
$prune$;

-- The event log as deploy/sql/setup.sql made it before partitioning (up to 3bfd186): one plain
-- table, and retention by batched deletes. Benchmarks/bus_partitions.sh runs it, after setup.sql,
-- in the database that measures the log "before".
-- The same columns, defaults, identity, checks and indexes, in one plain table.
CREATE TABLE bus.events_plain (LIKE bus.events INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS INCLUDING INDEXES);
DROP TABLE bus.events;
ALTER TABLE bus.events_plain RENAME TO events;
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

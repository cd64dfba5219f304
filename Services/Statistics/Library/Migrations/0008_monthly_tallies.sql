-- The live aggregates summed by the month: what a query of whole months reads (a year's table, a
-- CSV of every commune by month), a third of the daily rows for communes. Kept in the same
-- statement as `tallies` by the counting consumer, and filled from the rebuilt `tallies` by
-- `statistics rebuild`: always `tallies` grouped by `date_trunc('month', day)`.
CREATE TABLE statistics.monthly_tallies (
    measure text NOT NULL,
    dimension text NOT NULL,
    value text NOT NULL,
    area_code text NOT NULL CHECK (area_code ~ '^([0-9]{2}|[0-9]{5}|VN)$'),
    -- The month's first day.
    month date NOT NULL CHECK (extract(day FROM month) = 1),
    parent_code text NOT NULL,
    entered bigint NOT NULL DEFAULT 0,
    exited bigint NOT NULL DEFAULT 0,
    -- Of `exited`, those on the month's first day (an overlap with a period counts them out).
    exited_first bigint NOT NULL DEFAULT 0,
    amount bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (measure, dimension, area_code, value, month)
);
CREATE INDEX monthly_tallies_by_parent ON statistics.monthly_tallies (measure, dimension, parent_code, month) WHERE length(area_code) = 5;

-- Filled from the daily rows (a national database's take tens of seconds): no time limit, and
-- enough memory to sum in a hash table; in the primary key's order, so index pages fill in turn.
SET LOCAL statement_timeout = 0;
SET LOCAL work_mem = '256MB';
INSERT INTO statistics.monthly_tallies (measure, dimension, value, area_code, month, parent_code, entered, exited, exited_first, amount)
SELECT measure, dimension, value, area_code, date_trunc('month', day)::date, min(parent_code), sum(entered)::bigint, sum(exited)::bigint,
       sum(exited_first)::bigint, sum(amount)::bigint
FROM statistics.tallies
GROUP BY 1, 2, 3, 4, 5
ORDER BY measure COLLATE "C", dimension COLLATE "C", area_code COLLATE "C", value COLLATE "C", 5;
RESET statement_timeout;
RESET work_mem;

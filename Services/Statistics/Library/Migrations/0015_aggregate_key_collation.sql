-- The aggregates' keys (measures, breakdowns and their values, unit codes) are codes compared
-- byte by byte: collation "C". Under the database's own collation (C.UTF-8 or en_US.UTF-8 as
-- initdb made it) PostgreSQL 15 compares two unequal strings through strcoll after copying both
-- (in index descents, sorts and merges), and sorts them without abbreviated keys (a rebuild's
-- index builds). Under C.UTF-8 that costs little (Benchmarks/aggregate_collation.sh: index builds
-- 1.05 times faster under "C", additions and reads the same); under en_US.UTF-8, the Compose
-- image's, strcoll does more per comparison (not measured). Equality is the same under both;
-- order is the code points' (as C.UTF-8's already); nothing the service answers is ordered by
-- these columns.
-- The columns keep their type, so the rows are not rewritten; their indexes and the area code's
-- check are rebuilt (a national database's take tens of seconds). A rebuild's fresh tables copy
-- the collations (`LIKE`).
SET LOCAL statement_timeout = 0;
SET LOCAL maintenance_work_mem = '256MB';
ALTER TABLE statistics.tallies
    ALTER COLUMN measure TYPE text COLLATE "C",
    ALTER COLUMN dimension TYPE text COLLATE "C",
    ALTER COLUMN value TYPE text COLLATE "C",
    ALTER COLUMN area_code TYPE text COLLATE "C",
    ALTER COLUMN parent_code TYPE text COLLATE "C";
ALTER TABLE statistics.monthly_tallies
    ALTER COLUMN measure TYPE text COLLATE "C",
    ALTER COLUMN dimension TYPE text COLLATE "C",
    ALTER COLUMN value TYPE text COLLATE "C",
    ALTER COLUMN area_code TYPE text COLLATE "C",
    ALTER COLUMN parent_code TYPE text COLLATE "C";
RESET statement_timeout;
RESET maintenance_work_mem;
ANALYZE statistics.tallies;
ANALYZE statistics.monthly_tallies;

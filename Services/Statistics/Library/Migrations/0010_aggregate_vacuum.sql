-- Every event updates the same aggregate rows (the day's, its province's and the country's), and
-- the dead versions it leaves are walked by every later lookup of those keys until a vacuum.
-- Autovacuum's default threshold (a fifth of the table's millions of rows) never comes: vacuum
-- the aggregates after a fixed number of dead rows instead (by hand on the benchmark's data, a
-- vacuum took the upsert of a status change from 1,921 buffers and 8.7 ms to 217 and 2.8 ms). A
-- rebuild gives its fresh tables the live tables' settings.
ALTER TABLE statistics.tallies SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000);
ALTER TABLE statistics.monthly_tallies SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 20000);

-- A read of every commune's rows filters on `length(area_code) = 5` (the partial indexes'
-- predicate). Without statistics on that expression the planner guessed 0.5% of a measure's rows
-- (its default for an expression) and walked the index row by row, one heap page per row; knowing
-- the share, it reads the pages once each through a bitmap (Benchmarks/statistics.sh: the CSV of
-- every commune by month for five years).
-- A rebuild copies these objects to its fresh tables (`LIKE ... INCLUDING ALL`) and gives them
-- these names at the swap.
CREATE STATISTICS statistics.tallies_area_level ON (length(area_code)) FROM statistics.tallies;
CREATE STATISTICS statistics.monthly_tallies_area_level ON (length(area_code)) FROM statistics.monthly_tallies;
ANALYZE statistics.tallies;
ANALYZE statistics.monthly_tallies;

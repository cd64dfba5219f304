-- The person's breakdowns (sex, age band, ethnicity, substance: `Measure.commonDimensions`) are
-- kept by the month in `tallies` itself, dated the month's first day; `monthly_tallies` held the
-- same rows again, so every change wrote each of them twice (about two thirds of a status change's
-- monthly rows). Reads of them read `tallies` now (`IndicatorStore`), and `monthly_tallies` keeps
-- the sums of the rows kept by the day only; the check keeps it so (a rebuild's fresh table copies
-- it). Autovacuum gives the deleted rows' space back for reuse.
SET LOCAL statement_timeout = 0;
DELETE FROM statistics.monthly_tallies WHERE dimension IN ('sex', 'age_band', 'ethnicity', 'substance');
ALTER TABLE statistics.monthly_tallies
    ADD CONSTRAINT monthly_tallies_by_the_day CHECK (dimension NOT IN ('sex', 'age_band', 'ethnicity', 'substance'));
RESET statement_timeout;

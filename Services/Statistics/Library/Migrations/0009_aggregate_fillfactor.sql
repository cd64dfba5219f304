-- Room on every page of the aggregates for the next version of its rows: the counting consumer
-- updates a row's sums with each event, and an update that fits on the row's own page changes no
-- index (a HOT update). Full pages, as a rebuild or a bulk load leaves them, made every update move
-- the row to another page and add it to both indexes, and the consumer fell seconds behind after a
-- rebuild. Applies to pages written from now on; `statistics rebuild` gives its fresh copies the
-- same setting.
ALTER TABLE statistics.tallies SET (fillfactor = 80);
ALTER TABLE statistics.monthly_tallies SET (fillfactor = 80);

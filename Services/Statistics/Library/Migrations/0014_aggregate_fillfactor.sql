-- The counting consumer adds to the same aggregate rows again and again (today's and this month's,
-- in each area). On pages filled whole, each such update moved its row to another page and added
-- an entry to every index of the table (auto_explain at 50,000 people: about three WAL records a
-- row). Room left on a page lets the update stay on it (HOT: no index entry, and the old versions
-- are pruned by the next reader rather than vacuum). New rows leave 30% of their page free; the
-- rows already there stay as they are, and a rebuild loads its history dense and only then takes
-- this setting (history is read, not updated).
ALTER TABLE statistics.tallies SET (fillfactor = 70);
ALTER TABLE statistics.monthly_tallies SET (fillfactor = 70);

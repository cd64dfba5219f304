-- The programme indicators each read one kind of record over every commune of the area (the
-- country's year table reads six kinds): by kind and date instead of the whole table, and without
-- the table (the columns they read are in the index). Workforce declarations are read by the year
-- they declare. A rebuild gives its fresh tables the live tables' indexes.
CREATE INDEX programmes_by_kind ON statistics.programmes (kind, on_date) INCLUDE (commune_code, until, count, group_type);
CREATE INDEX programmes_workforce ON statistics.programmes (year, on_date) INCLUDE (commune_code, count, record_id) WHERE kind = 'workforce';

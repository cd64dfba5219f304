-- The statistics service counts people in treatment by place (Decision 127/2009): at home or in the
-- community, or the kind and ownership of the facility an episode began at. It reads those two
-- columns of the facilities (reference data, no personal data).
GRANT SELECT (id, kind, ownership) ON registry.facilities TO statistics;

-- The statistics schema is private to the statistics role: nothing in it is readable by others unless a later
-- migration grants it explicitly (a view for the statistics service, for example).
ALTER DEFAULT PRIVILEGES IN SCHEMA statistics REVOKE ALL ON TABLES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA statistics REVOKE ALL ON SEQUENCES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA statistics REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE ALL ON SCHEMA statistics FROM PUBLIC;
COMMENT ON SCHEMA statistics IS 'Owned by the statistics service; changed only by its migrations.';

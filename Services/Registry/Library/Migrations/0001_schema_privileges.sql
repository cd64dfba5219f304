-- The registry schema is private to the registry role: nothing in it is readable by others unless a later
-- migration grants it explicitly (a view for the statistics service, for example).
ALTER DEFAULT PRIVILEGES IN SCHEMA registry REVOKE ALL ON TABLES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA registry REVOKE ALL ON SEQUENCES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA registry REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE ALL ON SCHEMA registry FROM PUBLIC;
COMMENT ON SCHEMA registry IS 'Owned by the registry service; changed only by its migrations.';

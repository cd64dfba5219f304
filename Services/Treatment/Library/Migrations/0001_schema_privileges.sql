-- The treatment schema is private to the treatment role: nothing in it is readable by others unless a later
-- migration grants it explicitly (a view for the statistics service, for example).
ALTER DEFAULT PRIVILEGES IN SCHEMA treatment REVOKE ALL ON TABLES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA treatment REVOKE ALL ON SEQUENCES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA treatment REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE ALL ON SCHEMA treatment FROM PUBLIC;
COMMENT ON SCHEMA treatment IS 'Owned by the treatment service; changed only by its migrations.';

-- The referrals schema is private to the referrals role: nothing in it is readable by others unless a later
-- migration grants it explicitly (a view for the statistics service, for example).
ALTER DEFAULT PRIVILEGES IN SCHEMA referrals REVOKE ALL ON TABLES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA referrals REVOKE ALL ON SEQUENCES FROM PUBLIC;
ALTER DEFAULT PRIVILEGES IN SCHEMA referrals REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC;
REVOKE ALL ON SCHEMA referrals FROM PUBLIC;
COMMENT ON SCHEMA referrals IS 'Owned by the referrals service; changed only by its migrations.';

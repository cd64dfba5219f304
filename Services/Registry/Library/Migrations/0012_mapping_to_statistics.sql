-- The statistics service shows 2025 data under the former districts where the official mapping
-- allows (every old commune a new one was formed from lay in one district): it reads the mapping.
GRANT SELECT ON registry.admin_unit_mapping TO statistics;

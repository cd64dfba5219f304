-- Where an episode is held, for the `place` breakdown of people in treatment: `community` without a
-- facility, else the facility's ownership and kind when the episode was first counted
-- (`public_compulsory_treatment`, `private_voluntary_treatment`, ...; `unknown_facility` for a
-- facility the registry does not list).
ALTER TABLE statistics.episodes ADD COLUMN place text;

-- Existing deployments count the breakdown for past episodes after a rebuild (at the next start).
INSERT INTO statistics.pending_rebuilds (reason)
SELECT 'treatment place added (2026-12)' FROM bus.consumers WHERE name = 'statistics.counts'
ON CONFLICT (reason) DO NOTHING;

-- What the referrals service may read of a person: the name and phone a partner organisation needs
-- to contact them, and the current commune and province, which decide which officers see the
-- person's referrals. Nothing else (no national id, birth date, address or treatment data).
-- The view runs with the registry's rights; the referrals role gets the view, never the table.
-- The referrals and statistics services also read the administrative units (reference data,
-- no personal data) to check codes and name areas.
CREATE VIEW registry.referral_contacts WITH (security_barrier) AS
SELECT id AS person_id, full_name, phone, residence_commune_code AS commune_code, residence_province_code AS province_code
FROM registry.people;
GRANT SELECT ON registry.referral_contacts TO referrals;
GRANT SELECT ON registry.admin_units TO referrals;
GRANT SELECT ON registry.admin_units TO statistics;

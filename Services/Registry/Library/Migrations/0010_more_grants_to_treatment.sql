-- What else the treatment service reads of the registry. The facilities (reference data, no
-- personal data): an episode at a facility must name an active one of a kind that gives its form.
-- And the dated management statuses of drug users (no names), each saying whether it is the
-- person's latest status: the commune's deadline list shows the periods about to lapse. Views run
-- with the registry's rights; the treatment role gets the views, never the tables. The
-- facilities' view filters no rows, so needs no security barrier (one would only stop joins
-- through it by index); the periods' view keeps one: it leaves out the other statuses.
CREATE VIEW registry.treatment_facilities AS
SELECT id AS facility_id, kind, ownership, province_code, commune_code, active
FROM registry.facilities;
GRANT SELECT ON registry.treatment_facilities TO treatment;

CREATE VIEW registry.treatment_management_periods WITH (security_barrier) AS
SELECT s.person_id, s.valid_from, s.valid_to, p.residence_commune_code AS commune_code, p.residence_province_code AS province_code,
       NOT EXISTS (SELECT 1 FROM registry.person_statuses n WHERE n.person_id = s.person_id AND n.valid_from > s.valid_from) AS latest
FROM registry.person_statuses s
JOIN registry.people p ON p.id = s.person_id
WHERE s.status = 'drug_user';
GRANT SELECT ON registry.treatment_management_periods TO treatment;
-- The periods ending soon, for the lists of large areas.
CREATE INDEX person_statuses_drug_user_end ON registry.person_statuses (valid_to) WHERE status = 'drug_user';

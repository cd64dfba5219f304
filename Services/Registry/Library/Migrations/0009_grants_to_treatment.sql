-- What the treatment service may read of a person: where they live (which decides the officers who
-- see their treatment record and where after-care happens) and their birth date or year (treatment
-- terms depend on age). Nothing else: no name, national id, phone or address. The view runs with
-- the registry's rights; the treatment role gets the view, never the table.
CREATE VIEW registry.treatment_people WITH (security_barrier) AS
SELECT id AS person_id, birth_date, birth_year, residence_commune_code AS commune_code, residence_province_code AS province_code
FROM registry.people;
GRANT SELECT ON registry.treatment_people TO treatment;

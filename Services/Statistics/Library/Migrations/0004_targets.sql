-- Plan targets: for an indicator, an administrative unit (2025 code) and a year, the lowest and/or
-- highest value the plan sets, in the indicator's unit (percent for a share, people for a count,
-- percent change for a change). Set by admins and the province's officers.
CREATE TABLE statistics.targets (
    indicator text NOT NULL,
    area_code text NOT NULL CHECK (area_code ~ '^([0-9]{2}|[0-9]{5})$'),
    year integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    minimum double precision,
    maximum double precision,
    note text,
    set_by uuid NOT NULL,
    set_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (indicator, area_code, year),
    CHECK (minimum IS NOT NULL OR maximum IS NOT NULL),
    CHECK (minimum IS NULL OR maximum IS NULL OR minimum <= maximum)
);

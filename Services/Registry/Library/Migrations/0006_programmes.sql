-- Community programmes per commune and date: awareness campaigns, after-care models applied,
-- volunteer teams, clubs and residents' groups with their members, drug-free-commune recognitions
-- and staff training. They feed the commune-level indicators (through registry.programme.recorded
-- events, which carry no names).

CREATE TABLE registry.programme_records (
    id uuid PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('campaign', 'aftercare-model', 'group', 'drug-free', 'training')),
    commune_code text NOT NULL,
    province_code text NOT NULL,
    -- The day it happened or began: a campaign's day, a model's start, a group's founding, a
    -- recognition's decision, a training's day.
    on_date date NOT NULL,
    -- The kind's own fields (checked by the registry; see ProgrammeKind).
    details jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid
);
CREATE INDEX programme_records_commune ON registry.programme_records (commune_code, kind, on_date);
CREATE INDEX programme_records_province ON registry.programme_records (province_code, kind, on_date);
-- One recognition per commune and year.
CREATE UNIQUE INDEX programme_records_drug_free ON registry.programme_records (commune_code, ((details ->> 'year')))
    WHERE kind = 'drug-free';

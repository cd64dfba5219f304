-- Partner kinds as the work knows them, the areas a partner serves, and its offers: courses, job
-- openings and loan programmes. Money is whole đồng (bigint), an interest rate an exact decimal.
ALTER TABLE referrals.partners DROP CONSTRAINT partners_kind_check;
ALTER TABLE referrals.partners ADD CONSTRAINT partners_kind_check CHECK (
    kind IN ('employment_centre', 'vocational_school', 'employer', 'lender', 'social_policy_bank', 'reintegration_fund', 'other'));

-- The communes or whole provinces (2025 units) a partner serves; none: its province, or the whole
-- country for a national partner.
CREATE TABLE referrals.partner_areas (
    partner_id uuid NOT NULL REFERENCES referrals.partners (id),
    province_code text NOT NULL CHECK (province_code ~ '^[0-9]{2}$'),
    -- NULL: the whole province.
    commune_code text CHECK (commune_code ~ '^[0-9]{5}$')
);
CREATE UNIQUE INDEX partner_areas_unique ON referrals.partner_areas (partner_id, province_code, coalesce(commune_code, ''));
CREATE INDEX partner_areas_commune ON referrals.partner_areas (commune_code);
CREATE INDEX partner_areas_province ON referrals.partner_areas (province_code) WHERE commune_code IS NULL;

CREATE TABLE referrals.offers (
    id uuid PRIMARY KEY,
    partner_id uuid NOT NULL REFERENCES referrals.partners (id),
    kind text NOT NULL CHECK (kind IN ('course', 'job', 'loan_programme')),
    -- Lengths are checked by the API, in characters (a CHECK counts code points, and a decomposed
    -- Vietnamese letter is several).
    title text NOT NULL CHECK (length(title) >= 1),
    -- Where it takes place; NULL: wherever the partner serves.
    province_code text CHECK (province_code ~ '^[0-9]{2}$'),
    commune_code text CHECK (commune_code ~ '^[0-9]{5}$'),
    place text,
    -- A course.
    trade text,
    starts_on date,
    ends_on date,
    seats integer CHECK (seats > 0),
    cost_covered boolean,
    -- A job opening.
    position text,
    employer text,
    wage_min_vnd bigint CHECK (wage_min_vnd > 0),
    wage_max_vnd bigint,
    openings integer CHECK (openings > 0),
    -- A loan programme.
    lender text,
    purpose text,
    limit_vnd bigint CHECK (limit_vnd > 0),
    term_months integer CHECK (term_months > 0),
    interest_rate numeric(6, 4) CHECK (interest_rate >= 0 AND interest_rate < 1),
    eligibility text,
    -- Seats or openings taken by referrals (a full course or job drops out of matching).
    taken integer NOT NULL DEFAULT 0 CHECK (taken >= 0),
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    CHECK (kind <> 'course' OR (trade IS NOT NULL AND starts_on IS NOT NULL AND ends_on >= starts_on AND seats IS NOT NULL)),
    CHECK (kind <> 'job' OR (position IS NOT NULL AND wage_min_vnd IS NOT NULL AND wage_max_vnd >= wage_min_vnd AND openings IS NOT NULL)),
    CHECK (kind <> 'loan_programme' OR (purpose IS NOT NULL AND limit_vnd IS NOT NULL AND term_months IS NOT NULL AND interest_rate IS NOT NULL))
);
CREATE INDEX offers_partner ON referrals.offers (partner_id, created_at);
CREATE INDEX offers_open_commune ON referrals.offers (commune_code, kind) WHERE active;
CREATE INDEX offers_open_province ON referrals.offers (province_code, kind) WHERE active AND commune_code IS NULL;
CREATE INDEX offers_open_anywhere ON referrals.offers (partner_id, kind) WHERE active AND province_code IS NULL;

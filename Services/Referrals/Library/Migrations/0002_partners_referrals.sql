-- Partner organisations (employment service centres, vocational schools, employers, lenders such as
-- the Bank for Social Policies) and the referrals officers address to them, with the partner's
-- answer and the outcome. A referral_partner account sees only the referrals addressed to its
-- organisation, with the person's name, phone and the request; never treatment data.

CREATE TABLE referrals.partners (
    id uuid PRIMARY KEY,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    search_name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('employment_centre', 'vocational_school', 'employer', 'lender')),
    -- The 2025 province it serves; NULL for a national organisation.
    province_code text CHECK (province_code ~ '^[0-9]{2}$'),
    phone text,
    email text,
    address text,
    active boolean NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX partners_kind ON referrals.partners (kind, province_code) WHERE active;

CREATE TABLE referrals.referrals (
    id uuid PRIMARY KEY,
    person_id uuid NOT NULL,
    partner_id uuid NOT NULL REFERENCES referrals.partners (id),
    kind text NOT NULL CHECK (kind IN ('vocational_training', 'job', 'loan')),
    -- What is asked of the partner, in the officer's words (a trade, a job, a loan purpose).
    request text NOT NULL CHECK (length(request) BETWEEN 1 AND 2000),
    -- Where the person lived when referred: that commune keeps seeing the referral after a move.
    commune_code text NOT NULL,
    province_code text NOT NULL,
    status text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'accepted', 'declined', 'completed', 'withdrawn')),
    -- Set with status 'completed' (which outcomes fit which kind is checked by the service).
    outcome text CHECK (outcome IN ('trained', 'dropped_out', 'employed', 'not_employed', 'disbursed', 'refused')),
    outcome_on date,
    -- A disbursed loan's amount in đồng.
    amount_vnd bigint CHECK (amount_vnd > 0),
    note text CHECK (length(note) <= 2000),
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid,
    updated_at timestamptz NOT NULL DEFAULT now(),
    updated_by uuid,
    version integer NOT NULL DEFAULT 1,
    CHECK ((status = 'completed') = (outcome IS NOT NULL)),
    CHECK ((outcome IS NULL) = (outcome_on IS NULL)),
    CHECK (amount_vnd IS NULL OR outcome = 'disbursed')
);
CREATE INDEX referrals_person ON referrals.referrals (person_id, created_at);
CREATE INDEX referrals_partner ON referrals.referrals (partner_id, created_at DESC, id);
CREATE INDEX referrals_area ON referrals.referrals (province_code, commune_code, created_at DESC, id);

-- The registry checks that a referral_partner account names a real organisation.
GRANT USAGE ON SCHEMA referrals TO registry;
GRANT SELECT (id, active) ON referrals.partners TO registry;

-- The full flow of a referral: proposed, sent, accepted or declined, then by kind enrolled and
-- completed (a course), hired and employed (a job), approved and disbursed (a loan), or dropped;
-- each step dated and by whom (referral_steps). A referral may name the offer and the case it
-- comes from. Outcomes as before for the final states (statistics count them).
DO $$
DECLARE c record;
BEGIN
    FOR c IN SELECT conname FROM pg_constraint
             WHERE conrelid = 'referrals.referrals'::regclass AND contype = 'c'
               AND (pg_get_constraintdef(oid) LIKE '%status%' OR pg_get_constraintdef(oid) LIKE '%outcome%')
    LOOP
        EXECUTE format('ALTER TABLE referrals.referrals DROP CONSTRAINT %I', c.conname);
    END LOOP;
END $$;
ALTER TABLE referrals.referrals
    ADD COLUMN offer_id uuid REFERENCES referrals.offers (id),
    ADD COLUMN case_id uuid REFERENCES referrals.cases (id),
    ADD COLUMN reason text,
    ADD COLUMN certificate text,
    ADD COLUMN employer text,
    ADD COLUMN position text,
    ADD COLUMN wage_vnd bigint CHECK (wage_vnd > 0),
    ADD COLUMN loan_term_months integer CHECK (loan_term_months > 0),
    -- The day the person was hired or the loan disbursed: follow-ups count from it.
    ADD COLUMN placed_on date,
    ADD COLUMN repayment text CHECK (repayment IN ('on_schedule', 'late', 'repaid', 'written_off')),
    ADD CONSTRAINT referrals_status_check CHECK (status IN (
        'proposed', 'sent', 'accepted', 'declined', 'enrolled', 'hired', 'approved', 'completed', 'employed', 'disbursed', 'dropped',
        'withdrawn')),
    ADD CONSTRAINT referrals_outcome_check CHECK (outcome IN ('trained', 'dropped_out', 'employed', 'not_employed', 'disbursed', 'refused')),
    ADD CONSTRAINT referrals_outcome_final CHECK ((status IN ('completed', 'employed', 'disbursed', 'dropped')) = (outcome IS NOT NULL)),
    ADD CONSTRAINT referrals_outcome_day CHECK ((outcome IS NULL) = (outcome_on IS NULL)),
    ADD CONSTRAINT referrals_amount_disbursed CHECK (amount_vnd IS NULL OR status IN ('approved', 'disbursed', 'completed'));
-- Lengths are checked by the API in characters; a CHECK counts code points (a decomposed
-- Vietnamese letter is several), so the request's and note's upper bounds go.
ALTER TABLE referrals.referrals DROP CONSTRAINT IF EXISTS referrals_request_check, DROP CONSTRAINT IF EXISTS referrals_note_check,
    ADD CONSTRAINT referrals_request_check CHECK (length(request) >= 1);
CREATE INDEX referrals_case ON referrals.referrals (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX referrals_commune ON referrals.referrals (commune_code);

CREATE TABLE referrals.referral_steps (
    id uuid PRIMARY KEY,
    referral_id uuid NOT NULL REFERENCES referrals.referrals (id),
    action text NOT NULL,
    status text NOT NULL,
    step_on date NOT NULL,
    reason text,
    recorded_by uuid NOT NULL,
    recorded_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_steps_referral ON referrals.referral_steps (referral_id, recorded_at);

-- Follow-ups 3, 6 and 12 months after a placement or a disbursement.
CREATE TABLE referrals.follow_ups (
    id uuid PRIMARY KEY,
    referral_id uuid NOT NULL REFERENCES referrals.referrals (id),
    months integer NOT NULL CHECK (months IN (3, 6, 12)),
    due_on date NOT NULL,
    done_on date,
    still_employed boolean,
    wage_vnd bigint CHECK (wage_vnd > 0),
    repayment text CHECK (repayment IN ('on_schedule', 'late', 'repaid', 'written_off')),
    note text,
    recorded_by uuid,
    UNIQUE (referral_id, months)
);
CREATE INDEX follow_ups_due ON referrals.follow_ups (due_on) WHERE done_on IS NULL;

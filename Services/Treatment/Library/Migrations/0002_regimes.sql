-- Legal regimes an administrator added after those the service ships (Shared/Rules/StandardRegimes):
-- each is in force from its date until the next regime's. A regime is never changed once added:
-- episodes already judged by it must stay judged the same way.
CREATE TABLE treatment.regimes (
    name text PRIMARY KEY CHECK (name ~ '^[a-z0-9-]+$'),
    effective_from date NOT NULL UNIQUE,
    document jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    created_by uuid NOT NULL
);
COMMENT ON TABLE treatment.regimes IS 'Regimes added through POST /v1/regimes; the shipped ones live in the code.';

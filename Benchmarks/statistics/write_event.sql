-- One write to the statistics aggregates, as the registry publishes it: a person's status changes
-- (a random person of the benchmark's table bench_writers, in their commune, becomes addicted
-- again today), with the wake-up.
\set n random(1, :people)
INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, producer, payload)
SELECT 'registry.person', 'registry.person.status_changed', 1, person_id::text, (abs(hashtext(person_id::text)) % 64)::smallint, now(), 'registry',
       jsonb_build_object('personId', person_id, 'status', 'addicted', 'validFrom', current_date, 'communeCode', commune_code)
FROM bench_writers WHERE n = :n;
SELECT pg_notify('bus_events', 'registry.person');

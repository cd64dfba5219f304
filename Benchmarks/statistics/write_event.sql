-- One write to the statistics aggregates, as the registry publishes it: a person's status changes
-- (a random person of the benchmark's history becomes addicted again today), with the wake-up.
\set n random(1, :people)
INSERT INTO bus.events (topic, type, version, key, slot, occurred_at, producer, payload)
SELECT 'registry.person', 'registry.person.status_changed', 1, p::text, (abs(hashtext(p::text)) % 64)::smallint, now(), 'registry',
       jsonb_build_object('personId', p, 'status', 'addicted', 'validFrom', current_date, 'communeCode', '00004')
FROM (SELECT md5('person' || :n)::uuid AS p) AS person;
SELECT pg_notify('bus_events', 'registry.person');

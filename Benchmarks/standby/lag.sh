#!/usr/bin/env bash
# Samples the standby's replay lag on the primary every 0.2 s until killed, one line each:
# seconds behind (pg_stat_replication.replay_lag, 0 when caught up) and bytes behind (sent - replayed).
#   lag.sh PSQL_PORT >samples.txt
while true; do
    "$PG_BIN/psql" --no-psqlrc --quiet --tuples-only --no-align --field-separator=' ' --host=127.0.0.1 --port="$1" \
        --username=postgres --dbname=postgres \
        --command="SELECT coalesce(extract(epoch FROM replay_lag), 0), pg_wal_lsn_diff(sent_lsn, replay_lsn) FROM pg_stat_replication" 2>/dev/null
    sleep 0.2
done

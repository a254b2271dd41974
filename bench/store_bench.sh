#!/usr/bin/env bash
# Durable records/s with 1, 2, 4 and 8 processes on SQLite and on PostgreSQL, beside the
# database's own limit measured in the same run: pgbench running the same statements per
# transaction as one Pathwise record, and a plain sqlite3 program doing the same writes.
#
#   bash bench/store_bench.sh [build-dir] [seconds]
#
# Starts a throw-away PostgreSQL server (initdb + pg_ctl in a temporary directory, Unix socket
# only; as root it runs as the `postgres` user). fsync stays on: these are durable commits.
set -euo pipefail
build=${1:-build}
seconds=${2:-5}
bench="$build/bench/store_bench"
[ -x "$bench" ] || { echo "build $bench first (cmake -DPATHWISE_BUILD_BENCHMARKS=ON)" >&2; exit 2; }
bin=$(ls -d /usr/lib/postgresql/*/bin | tail -1)
dir=$(mktemp -d /tmp/pathwise-pgbench-XXXXXX)
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" -eq 0 ] && chown postgres "$dir"
cleanup() { as_pg "$bin/pg_ctl" -D "$dir/data" stop -m immediate >/dev/null 2>&1 || true; rm -rf "$dir"; }
trap cleanup EXIT
as_pg "$bin/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -w -l "$dir/log" \
  -o "-k $dir -c listen_addresses='' -p 5999 -c max_connections=50" start >/dev/null
pg="host=$dir port=5999 user=postgres dbname=postgres"

echo "== machine: $(nproc) cores, $(uname -r), $(date -u +%F)"
echo "== engine construction and cache memory"
"$bench" --construction

echo "== SQLite (sqlite:$dir/bench.db)"
"$bench" "sqlite:$dir/bench.db" "$seconds"
echo "== plain sqlite3 program, the same statements per record, on the same file"
"$bench" --raw-sqlite "$dir/bench.db" "$seconds"

echo "== PostgreSQL ($("$bin/postgres" --version))"
"$bench" "$pg" "$seconds"

echo "== pgbench: the statements of one record (existing learner, one skill), prepared"
cat > "$dir/record.sql" <<'SQL'
\set p random(0, 7)
\set l random(0, 49)
BEGIN;
SELECT version FROM pathwise_learners WHERE learner = 'bench-' || :p || '-' || :l FOR UPDATE;
UPDATE pathwise_learners SET responses = responses + 1, last_response = 1700000000000, recent_items = '["item-0-0","item-1-0","item-2-0"]', version = nextval('pathwise_version') WHERE learner = 'bench-' || :p || '-' || :l RETURNING version;
INSERT INTO pathwise_skill_states (learner, skill, p_known, attempts, correct, streak, last_practice, mastered_at, half_life_days, reviews, next_review, wheel_spinning) VALUES ('bench-' || :p || '-' || :l, 'skill-0', 0.5, 1, 1, 1, 1700000000000, NULL, 0, 0, NULL, false) ON CONFLICT (learner, skill) DO UPDATE SET p_known = excluded.p_known, attempts = excluded.attempts, correct = excluded.correct, streak = excluded.streak, last_practice = excluded.last_practice, mastered_at = excluded.mastered_at, half_life_days = excluded.half_life_days, reviews = excluded.reviews, next_review = excluded.next_review, wheel_spinning = excluded.wheel_spinning;
INSERT INTO pathwise_responses (learner, seq, item, outcome, time) VALUES ('bench-' || :p || '-' || :l, nextval('pgbench_seq'), 'item-0-0', 1, 1700000000000);
END;
SQL
psql -q -X "$pg" -c "CREATE SEQUENCE IF NOT EXISTS pgbench_seq START 100000000" >/dev/null
for c in 1 2 4 8; do
  tps=$("$bin/pgbench" -n -M prepared -c "$c" -j "$c" -T "$seconds" -f "$dir/record.sql" "$pg" 2>/dev/null |
    sed -n 's/^tps = \([0-9.]*\).*/\1/p')
  echo "{\"measure\":\"pgbench tps\",\"clients\":$c,\"tps\":$tps}"
done

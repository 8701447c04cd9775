#!/usr/bin/env bash
# The embedded default comes up with nothing external (no DATABASE_URL, no MQTT_URL), answers
# GET /api/health with 200, and stops cleanly when Ctrl-C reaches its whole process group, as a terminal's
# Ctrl-C does: npm start exits 0 and nothing is logged at error level.
set -uo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
chmod 755 "$data"
port=3917
logfile="$data/service.log"
# setsid: npm start leads a process group of its own, which the signal below reaches as a whole.
env -u DATABASE_URL -u MQTT_URL DATA_DIR="$data" PORT=$port EMBEDDED_MQTT_PORT=18883 EMBEDDED_PG_PORT=54329 \
  ADMIN_PASSWORD=smoke-admin-password setsid npm start >"$logfile" 2>&1 &
pid=$!
ok=0
for _ in $(seq 180); do
  if curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then ok=1; break; fi
  kill -0 $pid 2>/dev/null || break
  sleep 1
done
if [ $ok -eq 1 ]; then echo "smoke: /api/health answered 200"; else echo "smoke: /api/health never answered"; fi
kill -INT -- -$pid 2>/dev/null
stopped=0
for _ in $(seq 60); do
  if ! kill -0 $pid 2>/dev/null; then stopped=1; break; fi
  sleep 1
done
wait $pid 2>/dev/null
code=$?
errors=$(grep -cE '"level":(50|60)' "$logfile")
if [ $stopped -eq 1 ] && [ "$code" -eq 0 ] && [ "$errors" -eq 0 ] && grep -q '"msg":"stopped"' "$logfile"; then
  echo "smoke: Ctrl-C to the group stopped it cleanly (npm start exited 0, no error logged)"
else
  echo "smoke: did not stop cleanly (exit $code, $errors error lines)"
  ok=0
  kill -9 -- -$pid 2>/dev/null
fi
if [ $ok -ne 1 ]; then tail -40 "$logfile"; fi
# The embedded PostgreSQL runs in a session of its own: stop it by the pid it wrote, if it is still there.
pgpid=$(head -1 "$data/postgres/postmaster.pid" 2>/dev/null)
if [ -n "$pgpid" ] && kill -0 "$pgpid" 2>/dev/null; then
  kill -INT "$pgpid"
  for _ in $(seq 30); do kill -0 "$pgpid" 2>/dev/null || break; sleep 1; done
fi
rm -rf "$data"
[ $ok -eq 1 ]

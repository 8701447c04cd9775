#!/usr/bin/env bash
# The embedded default comes up with nothing external (no DATABASE_URL, no MQTT_URL), answers
# GET /api/health with 200, and stops cleanly on Ctrl-C (SIGINT).
set -uo pipefail
cd "$(dirname "$0")/.."
data=$(mktemp -d)
chmod 755 "$data"
port=3917
logfile="$data/service.log"
env -u DATABASE_URL -u MQTT_URL DATA_DIR="$data" PORT=$port EMBEDDED_MQTT_PORT=18883 EMBEDDED_PG_PORT=54329 \
  ADMIN_PASSWORD=smoke-admin-pw npm start >"$logfile" 2>&1 &
pid=$!
ok=0
for _ in $(seq 120); do
  if curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1; then ok=1; break; fi
  kill -0 $pid 2>/dev/null || break
  sleep 1
done
if [ $ok -eq 1 ]; then echo "smoke: /api/health answered 200"; else echo "smoke: /api/health never answered"; fi
# npm start runs node under a shell; Ctrl-C reaches the whole foreground group, so signal node itself.
node_pid=$(pgrep -f '^node .*dist/apps/main.js' | head -1)
kill -INT ${node_pid:-$pid} 2>/dev/null
stopped=0
for _ in $(seq 30); do
  if ! kill -0 $pid 2>/dev/null; then stopped=1; break; fi
  sleep 1
done
wait $pid 2>/dev/null
code=$?
if [ $stopped -eq 1 ] && grep -q '"msg":"stopped"' "$logfile"; then echo "smoke: stopped cleanly"; else
  echo "smoke: did not stop cleanly (exit $code)"; ok=0; kill -9 $pid 2>/dev/null; fi
if [ $ok -ne 1 ]; then tail -40 "$logfile"; fi
pkill -f "$data/postgres" 2>/dev/null
rm -rf "$data"
[ $ok -eq 1 ]

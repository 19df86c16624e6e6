#!/usr/bin/env bash
# A rough end-to-end intake measurement until tools/bench has its benchmark: N JSON
# order events (kcat, one message per line) into a release heraldd consuming from a
# herald-devbroker, with the example templates (deploy/templates), timed until all are recorded and until
# all are decided by the contact policy (synchronous=full). Loopback only.
#   tools/bench/intake_kcat.sh [N [CUSTOMERS]]   (needs: tools/dev build release)
# Events go round-robin to CUSTOMERS customers (default 1000: 50 each at N=50000, so
# the global cap of 5 a day defers most of them).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
N=${1:-50000}
CUSTOMERS=${2:-1000}
R=build/release
dir=$(mktemp -d)
trap 'kill $HERALDD $BROKER 2>/dev/null || true; [[ -n ${KEEP:-} ]] || rm -rf "$dir"' EXIT

awk -v n="$N" -v c="$CUSTOMERS" 'BEGIN { for (i = 0; i < n; i++) printf \
  "{\"event_id\":\"b-%d\",\"event_type\":\"order.shipped\",\"occur_time\":\"2026-01-01T00:00:00Z\",\"customer_id\":\"cust-%d\",\"contact_overrides\":{\"email\":\"c%d@example.nl\",\"phone\":\"+3161%07d\"},\"order\":{\"order_id\":\"%d\",\"carrier\":\"PostNL\",\"tracking_url\":\"https://t.example/%d\"}}\n", \
  i, i % c, i % c, i % c, i, i }' > "$dir/events.jsonl"

$R/tools/devbroker/herald-devbroker --partitions 16 > "$dir/addr" 2> "$dir/broker.log" &
BROKER=$!
for _ in $(seq 100); do [[ -s $dir/addr ]] && break; sleep 0.1; done
bootstrap=$(cat "$dir/addr")
cat > "$dir/heraldd.yaml" <<EOF
server: {grpc_listen: 127.0.0.1:0, http_listen: 127.0.0.1:0}
store: {sqlite: {path: $dir/herald.db}}
kafka: {embedded: false, bootstrap_servers: "$bootstrap"}
EOF
$R/services/heraldd/heraldd --config "$dir/heraldd.yaml" 2> "$dir/heraldd.log" &
HERALDD=$!
for _ in $(seq 100); do grep -q 'msg="ready"' "$dir/heraldd.log" && break; sleep 0.1; done
http=$(grep -o 'protocol=http address=127.0.0.1:[0-9]*' "$dir/heraldd.log" | cut -d: -f2)
grpc=$(grep -o 'protocol=grpc address=127.0.0.1:[0-9]*' "$dir/heraldd.log" | cut -d= -f3)
# The example templates: order-shipped renders an email (text and HTML with the shared
# footer) and an SMS for every event.
$R/tools/heraldctl/heraldctl -a "$grpc" template apply deploy/templates > /dev/null
metric() {  # the sum of a metric's series
  curl -s "127.0.0.1:$http/metrics" | awk -v m="$1" 'index($0, m) == 1 { s += $2 } END { print s + 0 }'
}

start=$(date +%s.%N)
kcat -b "$bootstrap" -P -l -t herald.orders -H content-type=application/json "$dir/events.jsonl"
# kcat into the mock broker can come up short (seen: ~45k of 50k lines kept, with no
# error): wait for what the broker holds, and report both.
on_broker=$(kcat -b "$bootstrap" -C -t herald.orders -e -q | wc -l)
recorded=0
for _ in $(seq ${POLLS:-3000}); do
  recorded=$(metric 'herald_events_total{result="recorded"')
  [[ $recorded -ge $on_broker ]] && break
  sleep 0.1
done
end=$(date +%s.%N)
decided=0
for _ in $(seq ${POLLS:-3000}); do
  decided=$(metric 'herald_decisions_total{')
  [[ $decided -ge $on_broker ]] && break
  sleep 0.1
done
decided_end=$(date +%s.%N)
seconds=$(echo "$end - $start" | bc)
decided_seconds=$(echo "$decided_end - $start" | bc)
echo "events=$N on_broker=$on_broker recorded=$recorded seconds=$seconds" \
  "events_per_second=$(echo "$recorded / $seconds" | bc)"
echo "decided=$decided seconds=$decided_seconds" \
  "decided_per_second=$(echo "$decided / $decided_seconds" | bc)"
curl -s "127.0.0.1:$http/metrics" | grep '^herald_decisions_total'

echo "heraldd_rss_kib=$(ps -o rss= -p $HERALDD)"

#!/usr/bin/env bash
# The embedded default with the whole path: a real local SMTP server (aiosmtpd) and a
# local SMS provider (HTTP) start, heraldd starts on deploy/local/heraldd.yaml, the
# example templates and three customers go in, and order, service and fraud events
# follow; the delivery log is printed, and heraldd runs until Ctrl-C.
# Called by `tools/dev run` after the release build.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
R=build/release
H="$R/tools/heraldctl/heraldctl"
# heraldd writes an admin key's token here at its first start (auth.admin_token_file).
export HERALD_TOKEN_FILE=var/admin.token
demo=var/demo
mkdir -p "$demo/mail" "$demo/sms"

pids=()
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT

/usr/bin/python3 tools/demo/smtp_sink.py --dir "$demo/mail" --port 2525 &
pids+=($!)
/usr/bin/python3 tools/demo/sms_sink.py --dir "$demo/sms" --port 8025 &
pids+=($!)
# Its log goes to the terminal and to a file, for the embedded broker's address.
$R/services/heraldd/heraldd --config deploy/local/heraldd.yaml 2> >(tee "$demo/heraldd.log" >&2) &
heraldd=$!
pids+=($heraldd)

for _ in $(seq 100); do
  [[ $($H health 2>/dev/null) == SERVING ]] && break
  sleep 0.2
done
echo "== the example templates (deploy/templates)"
$H template apply deploy/templates
echo "== three customers (deploy/demo/profiles.jsonl)"
while read -r profile; do
  echo "$profile" | $H profile update --allow-missing --file - > /dev/null
done < deploy/demo/profiles.jsonl
echo "anna (nl, SMS then email), james (en, email), lena (de, email then SMS)"
echo "== order, service and fraud events (deploy/demo/events.jsonl)"
run=$(date -u +%Y%m%d%H%M%S)
sed -e "s/RUN-/demo-$run-/" -e "s/\"NOW\"/\"$(date -u +%FT%TZ)\"/g" \
    -e "s/\"LATER\"/\"$(date -u -d '+3 hours' +%FT%TZ)\"/g" \
    -e "s/\"TOMORROW\"/\"$(date -u -d '+1 day' +%FT%TZ)\"/g" deploy/demo/events.jsonl |
  $H event publish --file -
sleep 3  # the policy, rendering and delivery take a moment
echo "== the delivery log (heraldctl deliveries list)"
$H deliveries list --page-size 20 | /usr/bin/python3 -c '
import json, sys
for n in json.load(sys.stdin).get("notifications", []):
    state = n["state"].replace("NOTIFICATION_STATE_", "")
    channel = n.get("channel", "").replace("CHANNEL_", "")
    print("%-6s %-22s %-6s %-10s %s" % (n["customer_id"], n.get("template_name", "-"), channel,
                                       state, n.get("decision", {}).get("reason", "")))'
bootstrap=$(grep -o 'bootstrap=[^ ]*' "$demo/heraldd.log" | head -1 | cut -d= -f2)
echo "== every state change on the status topic (kcat -b $bootstrap -C -t herald.delivery-status)"
kcat -b "$bootstrap" -C -t herald.delivery-status -e -q -f '%s\n' | /usr/bin/python3 -c '
import json, sys
changes = sorted((json.loads(line) for line in sys.stdin if line.strip()),
                 key=lambda c: int(c["sequence"]))
for c in changes:
    name = lambda s: c.get(s, "").replace("NOTIFICATION_STATE_", "")
    print("%4s %-6s %-22s %-9s > %-9s %-6s %s" % (c["sequence"], c["customer_id"], c["template_name"],
          name("previous_state"), name("state"), c.get("channel", "").replace("CHANNEL_", ""),
          c.get("detail", "")[:60]))'
echo "== mail is in $demo/mail (.eml and parsed .json), SMS in $demo/sms"
echo "   $H explain NOTIFICATION_ID, $H deliveries get NOTIFICATION_ID --part text"
echo "== every API call needs a token; this admin one (kept in var/admin.token) is:"
echo "   $(cat var/admin.token)"
echo "   export HERALD_TOKEN_FILE=$PWD/var/admin.token   # then $H works as above"
echo "   $H key create --name NAME --role producer|editor|operator|viewer|privacy|admin"
echo "== the console: http://127.0.0.1:8080/console/ (sign in with that token, or a key of any role)"
echo "== heraldd runs; Ctrl-C stops it"
wait "$heraldd"

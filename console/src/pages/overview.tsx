// The state of the whole path at a glance, from heraldd's /metrics, read every 5 seconds:
// what comes in, what is decided, what is sent, what goes wrong, and what waits.
import { useEffect, useState } from "preact/hooks";

import { scrape, sumBy, type Sample } from "../metrics";
import { Chart, type Series } from "../components/chart";

const kEvery = 5000;
const kPoints = 60; // five minutes

interface Reading {
  at: number; // seconds
  samples: Sample[];
}

// Per-minute rates of a counter between consecutive readings, one series per label value.
function rates(readings: Reading[], name: string, label: string, where = {}): Series[] {
  const keys = new Set<string>();
  const sums = readings.map((r) => sumBy(r.samples, name, label, where));
  for (const s of sums) for (const k of s.keys()) keys.add(k);
  return [...keys].sort().map((key) => ({
    label: key === "" ? name : key,
    values: sums.map((s, i) => {
      const before = i > 0 ? sums[i - 1]?.get(key) : undefined;
      const now = s.get(key);
      const previous = readings[i - 1];
      const current = readings[i];
      if (
        before === undefined ||
        now === undefined ||
        previous === undefined ||
        current === undefined
      ) {
        return null;
      }
      return Math.max(0, ((now - before) * 60) / (current.at - previous.at));
    }),
  }));
}

function levels(readings: Reading[], name: string, label: string): Series[] {
  const keys = new Set<string>();
  const sums = readings.map((r) => sumBy(r.samples, name, label));
  for (const s of sums) for (const k of s.keys()) keys.add(k);
  return [...keys].sort().map((key) => ({
    label: key === "" ? name : key,
    values: sums.map((s) => s.get(key) ?? null),
  }));
}

export function Overview() {
  const [readings, setReadings] = useState<Reading[]>([]);
  const [error, setError] = useState("");

  useEffect(() => {
    let stopped = false;
    const read = async () => {
      try {
        const samples = await scrape();
        if (stopped) return;
        setError("");
        setReadings((r) => [...r, { at: Date.now() / 1000, samples }].slice(-kPoints));
      } catch (e) {
        if (!stopped) setError(e instanceof Error ? e.message : String(e));
      }
    };
    void read();
    const timer = setInterval(() => void read(), kEvery);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);

  const latest = readings[readings.length - 1]?.samples ?? [];
  const times = readings.map((r) => r.at);
  const breakers = [...sumBy(latest, "herald_connector_breaker_open", "channel")].filter(
    ([, open]) => open > 0,
  );
  const deadLetters = [...sumBy(latest, "herald_dead_letters_total", "reason")];
  const single = (name: string) => sumBy(latest, name).get("") ?? 0;
  // The work not done yet, by state and channel (heraldd counts it every 10 seconds).
  const atWork = (state: string, channel: string) =>
    sumBy(latest, "herald_notifications", "", { state, channel }).get("") ?? 0;
  const kStates = ["PENDING", "DEFERRED", "QUEUED", "SENDING", "UNKNOWN"];
  const kChannels = ["EMAIL", "SMS", "none"];

  return (
    <section class="overview">
      <h1>Overview</h1>
      {error !== "" && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="tiles">
        <li>
          <strong>{breakers.length === 0 ? "none" : breakers.map(([c]) => c).join(", ")}</strong>
          <span>circuit breakers open</span>
        </li>
        <li>
          <strong>{single("herald_outbox_oldest_seconds").toFixed(0)} s</strong>
          <span>oldest queued notification waiting for its hand-off</span>
        </li>
        <li>
          <strong>{single("herald_status_outbox_oldest_seconds").toFixed(0)} s</strong>
          <span>oldest status change not yet published</span>
        </li>
        <li>
          <strong>{deadLetters.reduce((sum, [, n]) => sum + n, 0)}</strong>
          <span>dead letters since start</span>
        </li>
      </ul>
      <table class="at-work">
        <caption>Notifications not done yet, by state and channel</caption>
        <thead>
          <tr>
            <th scope="col">State</th>
            {kChannels.map((c) => (
              <th scope="col" key={c}>
                {c === "none" ? "no channel yet" : c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {kStates.map((s) => (
            <tr key={s}>
              <th scope="row">{s}</th>
              {kChannels.map((c) => (
                <td key={c}>{atWork(s, c)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {readings.length < 2 && <p class="loading">Collecting the first readings…</p>}
      <div class="charts">
        <Chart
          title="Events in, per minute"
          unit="/min"
          times={times}
          series={rates(readings, "herald_events_total", "result")}
        />
        <Chart
          title="Decisions, per minute"
          unit="/min"
          times={times}
          series={rates(readings, "herald_decisions_total", "outcome")}
        />
        <Chart
          title="Sends accepted, per minute"
          unit="/min"
          times={times}
          series={rates(readings, "herald_dispatch_attempts_total", "channel", {
            result: "ACCEPTED",
          })}
        />
        <Chart
          title="Failed hand-offs, per minute"
          unit="/min"
          times={times}
          series={rates(readings, "herald_dispatch_attempts_total", "result").filter(
            (s) => s.label !== "ACCEPTED",
          )}
        />
        <Chart
          title="Notifications not done yet, by state"
          unit="count"
          times={times}
          series={kStates.map((state) => ({
            label: state,
            values: readings.map(
              (r) => sumBy(r.samples, "herald_notifications", "", { state }).get("") ?? 0,
            ),
          }))}
        />
        <Chart
          title="Outbox: oldest queued (seconds)"
          unit="s"
          times={times}
          series={levels(readings, "herald_outbox_oldest_seconds", "")}
        />
        <Chart
          title="Dead letters, per minute"
          unit="/min"
          times={times}
          series={rates(readings, "herald_dead_letters_total", "reason")}
        />
        <Chart
          title="Consumer lag (messages)"
          unit="msgs"
          times={times}
          series={levels(readings, "herald_kafka_consumer_lag", "topic")}
        />
      </div>
      {deadLetters.length > 0 && (
        <table class="dead-letters">
          <caption>Dead letters by reason, since heraldd started</caption>
          <tbody>
            {deadLetters.map(([reason, n]) => (
              <tr key={reason}>
                <th scope="row">{reason}</th>
                <td>{n}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

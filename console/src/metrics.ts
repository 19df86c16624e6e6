// heraldd's /metrics (Prometheus text format), read every few seconds: samples by name and
// labels, and per-minute rates of counters between two reads.
import { session } from "./session";

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const kLine = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const kLabel = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseMetrics(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    const m = kLine.exec(line);
    if (m === null) continue;
    const [, name = "", labelText = "", value = ""] = m;
    const labels: Record<string, string> = {};
    for (const l of labelText.matchAll(kLabel)) {
      labels[l[1] ?? ""] = (l[2] ?? "").replace(/\\(.)/g, "$1");
    }
    samples.push({ name, labels, value: Number(value) });
  }
  return samples;
}

export async function scrape(): Promise<Sample[]> {
  const token = session.token();
  const response = await fetch("/metrics", {
    headers: token !== "" ? { Authorization: `Bearer ${token}` } : {},
  });
  if (!response.ok)
    throw new Error(`/metrics answered ${response.status}: ${await response.text()}`);
  return parseMetrics(await response.text());
}

/** The sum of a metric's samples, grouped by one label ("" for one total). */
export function sumBy(
  samples: Sample[],
  name: string,
  label = "",
  where: Record<string, string> = {},
): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name) continue;
    if (Object.entries(where).some(([k, v]) => s.labels[k] !== v)) continue;
    const key = label === "" ? "" : (s.labels[label] ?? "");
    out.set(key, (out.get(key) ?? 0) + s.value);
  }
  return out;
}

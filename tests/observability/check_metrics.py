#!/usr/bin/env python3
"""The dashboard and the alerts name only metrics heraldd exports, and every alert is
complete: a `for:`, a severity, a summary, and a runbook that exists in the README.

Usage: check_metrics.py SOURCE_DIR. What heraldd exports is read from its source: every
metric family it registers (prometheus-cpp's Build...().Name("herald_...")), with the
_bucket, _sum and _count series of its histograms. Exits 1 naming each problem."""
import json
import pathlib
import re
import sys

source = pathlib.Path(sys.argv[1])
problems = []

exported = set()
registration = re.compile(r'Build(Counter|Gauge|Histogram|Summary)\(\)\s*\.Name\("(herald_[a-z0-9_]+)"\)')
for path in list(source.glob("services/**/*.cc")) + list(source.glob("connectors/**/*.cc")):
    for kind, name in registration.findall(path.read_text()):
        exported.add(name)
        if kind in ("Histogram", "Summary"):
            exported.update({name + "_sum", name + "_count"})
        if kind == "Histogram":
            exported.add(name + "_bucket")
if len(exported) < 20:
    problems.append(f"only {len(exported)} metrics found in {source}: is it Herald's source?")
# Prometheus' own series about each scrape.
exported.add("up")

identifier = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")


def check_expr(where, expr):
    # Label values and strings are not metric names.
    bare = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    bare = re.sub(r"\{[^}]*\}", "{}", bare)
    bare = re.sub(r"\[[^\]]*\]", "[]", bare)
    bare = re.sub(r"\b(by|without)\s*\([^)]*\)", "", bare)
    names = [n for n in identifier.findall(bare) if n.startswith("herald_") or n == "up"]
    if not names:
        problems.append(f"{where}: names no metric: {expr}")
    for name in names:
        if name not in exported:
            problems.append(f"{where}: {name} is not a metric heraldd exports")


# The dashboard.
dashboard = json.loads((source / "deploy/grafana/herald.json").read_text())
panels = [p for p in dashboard["panels"] if p.get("type") != "row"]
if not panels:
    problems.append("deploy/grafana/herald.json has no panels")
for panel in panels:
    for target in panel.get("targets", []):
        check_expr(f'dashboard panel "{panel["title"]}"', target["expr"])

# The alerts, read without a YAML library: each rule is "- alert: NAME" followed by its
# keys, the expression possibly over several lines.
readme = (source / "README.md").read_text()
anchors = {re.sub(r"[^a-z0-9 -]", "", h.strip().lower()).replace(" ", "-")
           for h in re.findall(r"^#+ (.+)$", readme, re.M)}
alerts = (source / "deploy/prometheus/alerts.yaml").read_text()
rules = re.split(r"^\s*- alert: ", alerts, flags=re.M)[1:]
if len(rules) < 8:
    problems.append(f"deploy/prometheus/alerts.yaml has {len(rules)} alerts")
for rule in rules:
    name = rule.split("\n", 1)[0].strip()
    expr = re.search(r"expr: (\|\n(?:\s{10,}.*\n)+|.*\n)", rule)
    if expr is None:
        problems.append(f"alert {name}: no expr")
    else:
        check_expr(f"alert {name}", expr.group(1).lstrip("|"))
    for key in ("for:", "severity:", "summary:", "runbook_url:"):
        if key not in rule:
            problems.append(f"alert {name}: no {key[:-1]}")
    runbook = re.search(r'runbook_url: "README\.md#([a-z0-9-]+)"', rule)
    if runbook is None:
        problems.append(f"alert {name}: the runbook_url is not README.md#<section>")
    elif runbook.group(1) not in anchors:
        problems.append(f"alert {name}: the README has no section #{runbook.group(1)}")

for problem in problems:
    print(problem)
if problems:
    sys.exit(1)
print(f"{len(panels)} panels and {len(rules)} alerts name only the {len(exported) - 1} "
      "series heraldd exports; every alert has its runbook")

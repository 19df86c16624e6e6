"""perf script output (with call graphs) -> CPU per notification of each stage.

Usage: perf script -i perf.data | python3 tools/bench/stage_costs.py NOTIFICATIONS

Each sample goes to the stage of its innermost frame that names one (leaf first), so
a stage's own work counts, not what it calls in another stage.
"""
import collections
import re
import sys

STAGES = [
    ("render", r"herald::compose::"),
    ("decode", r"herald::ingest::Decode|JsonStringToMessage|ParseFromString|MergeFromString"),
    ("validate", r"herald::ingest::ValidateEvent|herald::core::Is|phonenumbers"),
    ("policy", r"herald::policy::(Decide\(|\(anonymous namespace\)::|CheckFrequency|QuietHours)"),
    ("fan-out", r"herald::core::NotificationId|herald::ingest::Intake::"),
    ("status", r"herald::tracking::StatusPublisher|herald::ingest::TopicProducer"),
    ("dispatch", r"herald::dispatch::|herald::connectors::"),
    ("store write", r"Connections::WriterLoop|Connections::CommitBatch"),
    ("store read", r"Connections::Read"),
    ("decider", r"herald::policy::Decider|herald::policy::Releaser"),
    ("kafka consumer", r"herald::ingest::EventConsumer"),
    ("http/metrics", r"httplib|prometheus::"),
    ("grpc", r"grpc"),
]
STAGES = [(name, re.compile(rx)) for name, rx in STAGES]


def main():
    notifications = float(sys.argv[1])
    totals = collections.Counter()
    stack, weight, in_sample = [], 1, False

    def flush():
        for frame in stack:
            for name, rx in STAGES:
                if rx.search(frame):
                    totals[name] += weight
                    return
        totals["other"] += weight

    for line in sys.stdin:
        if not line.strip():
            if in_sample and stack:
                flush()
            stack, in_sample = [], False
        elif not line.startswith(("\t", " ")):
            m = re.search(r"\s(\d+)\s+cpu-clock", line)
            weight, in_sample = (int(m.group(1)) if m else 1), True
        else:
            parts = line.strip().split(" ", 1)
            stack.append(parts[-1])
    if in_sample and stack:
        flush()
    total = sum(totals.values()) or 1
    print(f"{'stage':20s} {'us/notification':>16s} {'share':>6s}")
    for name, ns in totals.most_common():
        print(f"{name:20s} {ns / 1e3 / notifications:16.1f} {100.0 * ns / total:5.1f}%")
    print(f"{'total':20s} {total / 1e3 / notifications:16.1f}")


if __name__ == "__main__":
    main()

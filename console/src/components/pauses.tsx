// The kill switches on screen: a banner on every page while sending is paused (who
// paused what, when and why), with Resume for operators; and Pause on a template's page.
import { useEffect, useState } from "preact/hooks";

import { api, describeError } from "../api";
import type { Pause, SendingScope } from "../gen/herald/v1/operator_service_pb";
import { categoryName, channelName, time } from "../format";
import { session } from "../session";

const kPoll = 10_000; // the banner reads the pauses again this often

// "template order-shipped", "all sending".
export function describeScope(scope: SendingScope | undefined): string {
  const s = scope?.scope;
  switch (s?.case) {
    case "all":
      return "all sending";
    case "templateName":
      return `template ${s.value}`;
    case "category":
      return `category ${categoryName(s.value)}`;
    case "channel":
      return `channel ${channelName(s.value)}`;
    default:
      return "?";
  }
}

// Listeners told when a pause starts or ends here, so the banner shows it at once.
const changed = new Set<() => void>();
function announce(): void {
  for (const f of changed) f();
}

/** Every page's banner while anything is paused. */
export function PauseBanner() {
  const [pauses, setPauses] = useState<Pause[]>([]);
  const [error, setError] = useState("");
  const mayRead = session.may("OperatorService.ListPauses");

  useEffect(() => {
    if (!mayRead) return;
    const read = () => {
      api.operators
        .listPauses({})
        .then((r) => {
          setPauses(r.pauses);
          setError("");
        })
        .catch((e: unknown) => {
          setError(describeError(e));
        });
    };
    read();
    changed.add(read);
    const timer = window.setInterval(read, kPoll);
    return () => {
      changed.delete(read);
      window.clearInterval(timer);
    };
  }, [mayRead]);

  if (!mayRead || (pauses.length === 0 && error === "")) return null;
  return (
    <section class="paused" role="region" aria-label="Sending paused">
      {error !== "" && <p class="error">{error}</p>}
      {pauses.map((p) => (
        <PauseLine key={describeScope(p.scope)} pause={p} />
      ))}
    </section>
  );
}

function PauseLine({ pause }: { pause: Pause }) {
  const [reason, setReason] = useState("");
  const [error, setError] = useState("");
  const what = describeScope(pause.scope);
  return (
    <div class="pause">
      <p>
        <strong>Sending paused: {what}</strong> by {pause.pausedBy} at {time(pause.pauseTime)}:{" "}
        {pause.reason}. What it holds waits (DEFERRED, reason PAUSED) and is decided again in order
        on resume.
      </p>
      {session.may("OperatorService.ResumeSending") && (
        <form
          class="inline"
          onSubmit={(e) => {
            e.preventDefault();
            api.operators
              .resumeSending({ scope: pause.scope, reason })
              .then(() => {
                announce();
              })
              .catch((err: unknown) => {
                setError(describeError(err));
              });
          }}
        >
          <label>
            Reason to resume {what}
            <input
              value={reason}
              required
              onInput={(e) => {
                setReason(e.currentTarget.value);
              }}
            />
          </label>
          <button type="submit">Resume</button>
          {error !== "" && (
            <span class="error" role="alert">
              {error}
            </span>
          )}
        </form>
      )}
    </div>
  );
}

/** On a template's page, for operators: stop its sending at once. */
export function PauseTemplate({ name }: { name: string }) {
  const [reason, setReason] = useState("");
  const [notice, setNotice] = useState("");
  const [error, setError] = useState("");
  if (!session.may("OperatorService.PauseSending")) return null;
  return (
    <form
      class="inline pause-template"
      onSubmit={(e) => {
        e.preventDefault();
        api.operators
          .pauseSending({ scope: { scope: { case: "templateName", value: name } }, reason })
          .then((r) => {
            setError("");
            setNotice(`Paused; ${String(r.heldCount)} queued held.`);
            announce();
          })
          .catch((err: unknown) => {
            setNotice("");
            setError(describeError(err));
          });
      }}
    >
      <label>
        Reason to pause sending
        <input
          value={reason}
          required
          onInput={(e) => {
            setReason(e.currentTarget.value);
          }}
        />
      </label>
      <button type="submit">Pause sending</button>
      {notice !== "" && (
        <span class="notice" role="status">
          {notice}
        </span>
      )}
      {error !== "" && (
        <span class="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

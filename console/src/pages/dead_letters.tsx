// The dead-letter topic: what intake refused, why, and from where; an operator replays one
// letter, or every letter of a reason, once the cause is fixed.
import { useEffect, useState } from "preact/hooks";

import { api, describeError } from "../api";
import type { DeadLetter } from "../gen/herald/v1/dead_letter_service_pb";
import { time } from "../format";
import { session } from "../session";

const kReasons = [
  "UNKNOWN_CUSTOMER",
  "MALFORMED_JSON",
  "MALFORMED_PROTOBUF",
  "UNKNOWN_EVENT_TYPE",
  "PAYLOAD_MISMATCH",
  "BAD_TIMESTAMP",
  "MISSING_CUSTOMER",
  "INVALID_CONTACT_OVERRIDE",
  "OVERSIZED",
  "UNSUPPORTED_CONTENT_TYPE",
];

export function DeadLetters() {
  const [reason, setReason] = useState("");
  const [shown, setShown] = useState("");
  const [letters, setLetters] = useState<DeadLetter[]>([]);
  const [tokens, setTokens] = useState<string[]>([""]);
  const [next, setNext] = useState("");
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [reload, setReload] = useState(0);
  const mayReplay = session.may("DeadLetterService.ReplayDeadLetters");

  useEffect(() => {
    api.deadLetters
      .listDeadLetters({ reason: shown, pageSize: 50, pageToken: tokens[tokens.length - 1] ?? "" })
      .then((r) => {
        setLetters(r.deadLetters);
        setNext(r.nextPageToken);
        setError("");
      })
      .catch((e: unknown) => {
        setError(describeError(e));
      });
  }, [shown, tokens, reload]);

  const replay = async (request: { deadLetterIds: string[] } | { reason: string }) => {
    setNotice("");
    try {
      const r = await api.deadLetters.replayDeadLetters(request);
      const n = r.deadLetterIds.length;
      setNotice(
        `Replayed ${n} letter${n === 1 ? "" : "s"} to their source topics${r.more ? "; more remain, replay again" : ""}.`,
      );
      setReload(reload + 1);
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <section>
      <h1>Dead letters</h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setShown(reason.trim());
          setTokens([""]);
        }}
      >
        <label>
          Reason
          <input
            name="reason"
            list="reasons"
            value={reason}
            onInput={(e) => {
              setReason(e.currentTarget.value);
            }}
          />
          <datalist id="reasons">
            {kReasons.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
        </label>
        <button type="submit">Show</button>
        {mayReplay && shown !== "" && (
          <button type="button" class="secondary" onClick={() => void replay({ reason: shown })}>
            Replay every {shown} not replayed yet
          </button>
        )}
      </form>
      {error !== "" && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {notice !== "" && (
        <p class="notice" role="status">
          {notice}
        </p>
      )}
      {letters.length === 0 && error === "" && <p class="empty">No dead letters.</p>}
      {letters.length > 0 && (
        <table class="dead-letters">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Reason</th>
              <th scope="col">Detail</th>
              <th scope="col">From</th>
              <th scope="col">Key</th>
              <th scope="col">Replayed</th>
              {mayReplay && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {letters.map((l) => (
              <tr key={l.deadLetterId} data-id={l.deadLetterId}>
                <td>{time(l.deadLetterTime)}</td>
                <td>{l.reason}</td>
                <td class="why">
                  {l.detail}
                  {l.payload !== "" && (
                    <details>
                      <summary>Message ({l.payloadBytes} bytes)</summary>
                      <pre>{l.payload}</pre>
                    </details>
                  )}
                </td>
                <td>
                  {l.sourceTopic}/{l.sourcePartition}@{String(l.sourceOffset)}
                </td>
                <td>{l.key}</td>
                <td>
                  {l.replayTime !== undefined ? `${time(l.replayTime)} by ${l.replayedBy}` : "no"}
                </td>
                {mayReplay && (
                  <td>
                    <button
                      type="button"
                      class="secondary"
                      onClick={() => void replay({ deadLetterIds: [l.deadLetterId] })}
                    >
                      Replay
                    </button>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={tokens.length === 1}
          onClick={() => {
            setTokens(tokens.slice(0, -1));
          }}
        >
          Back
        </button>
        <button
          type="button"
          disabled={next === ""}
          onClick={() => {
            setTokens([...tokens, next]);
          }}
        >
          More
        </button>
      </nav>
    </section>
  );
}

// One notification: what was decided and why (every rule, pass or FAIL), every state
// change and attempt in time order, and the messages exactly as they were sent.
import { useEffect, useState } from "preact/hooks";

import { api, describeError } from "../api";
import type {
  ExplainNotificationResponse,
  RuleEvaluation,
} from "../gen/herald/v1/notification_service_pb";
import type { Notification, RenderedMessage } from "../gen/herald/v1/notification_pb";
import {
  categoryName,
  channelName,
  encodingName,
  href,
  millis,
  outcomeName,
  resultName,
  stateName,
  time,
} from "../format";
import { StateBadge } from "../components/state_badge";

interface Moment {
  at: number;
  when: string;
  what: string;
  detail: string;
}

function timeline(n: Notification): Moment[] {
  const moments: Moment[] = [];
  for (const change of n.history) {
    moments.push({
      at: millis(change.changeTime),
      when: time(change.changeTime),
      what: `→ ${stateName(change.state)}`,
      detail: change.detail,
    });
  }
  if (n.decision !== undefined) {
    const d = n.decision;
    moments.push({
      at: millis(d.decideTime),
      when: time(d.decideTime),
      what: `decided ${outcomeName(d.outcome)}`,
      detail: [d.reason, d.rule, d.detail].filter((s) => s !== "").join(" · "),
    });
  }
  for (const a of n.attempts) {
    moments.push({
      at: millis(a.startTime),
      when: time(a.startTime),
      what: `attempt ${a.attemptNumber} on ${channelName(a.channel)}: ${resultName(a.result) || "in flight"}`,
      detail: [a.detail, a.providerMessageId ? `provider id ${a.providerMessageId}` : ""]
        .filter((s) => s !== "")
        .join(" · "),
    });
  }
  return moments.sort((a, b) => a.at - b.at);
}

export function NotificationPage({ id }: { id: string }) {
  const [notification, setNotification] = useState<Notification | null>(null);
  const [explained, setExplained] = useState<ExplainNotificationResponse | null>(null);
  const [error, setError] = useState("");

  useEffect(() => {
    setError("");
    Promise.all([
      api.notifications.getNotification({ notificationId: id }),
      api.notifications.explainNotification({ notificationId: id }),
    ])
      .then(([got, why]) => {
        setNotification(got.notification ?? null);
        setExplained(why);
      })
      .catch((e: unknown) => {
        setError(describeError(e));
      });
  }, [id]);

  if (error !== "") {
    return (
      <p class="error" role="alert">
        {error}
      </p>
    );
  }
  if (notification === null) return <p class="loading">Loading…</p>;
  const n = notification;
  const rules: RuleEvaluation[] =
    explained?.evaluations.filter((e) => e.notificationId === n.notificationId) ?? [];
  return (
    <section class="notification">
      <h1>
        {n.templateName} to <a href={href("customers", n.customerId)}>{n.customerId}</a>{" "}
        <StateBadge state={n.state} />
      </h1>
      <dl class="facts">
        <dt>Notification</dt>
        <dd>
          <code>{n.notificationId}</code>
        </dd>
        <dt>Event</dt>
        <dd>
          <a href={`#/deliveries?event=${encodeURIComponent(n.eventId)}`}>{n.eventId}</a> (
          {n.eventType})
        </dd>
        <dt>Template</dt>
        <dd>
          {n.templateName} v{String(n.templateVersion)} · {categoryName(n.category)}
        </dd>
        <dt>Channel</dt>
        <dd>
          {channelName(n.channel) || "none"}
          {n.fallbackChannels.length > 0 &&
            `, then ${n.fallbackChannels.map(channelName).join(", ")}`}
        </dd>
        <dt>Created</dt>
        <dd>{time(n.createTime)}</dd>
      </dl>

      <h2>Why</h2>
      <p class="explain">{explained?.summary}</p>
      <table class="rules">
        <thead>
          <tr>
            <th scope="col">Rule</th>
            <th scope="col">Verdict</th>
            <th scope="col">Detail</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r, i) => (
            <tr key={i} class={r.passed ? "pass" : "fail"}>
              <td>{r.rule}</td>
              <td>{r.passed ? "pass" : "FAIL"}</td>
              <td>{r.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>Timeline</h2>
      <ol class="timeline">
        {timeline(n).map((m, i) => (
          <li key={i}>
            <time>{m.when}</time> <strong>{m.what}</strong>
            {m.detail !== "" && <span class="detail"> {m.detail}</span>}
          </li>
        ))}
      </ol>

      <h2>Messages</h2>
      {n.contentPurgeTime !== undefined && (
        <p class="note">
          Content purged {time(n.contentPurgeTime)} ({n.contentPurgeReason}).
        </p>
      )}
      {n.messages.length === 0 && n.contentPurgeTime === undefined && (
        <p class="empty">Nothing was rendered for this notification.</p>
      )}
      {n.messages.map((m, i) => (
        <Message key={i} message={m} />
      ))}
    </section>
  );
}

function Message({ message }: { message: RenderedMessage }) {
  const { email, sms } = message;
  return (
    <article class="message">
      <h3>
        {channelName(message.channel)} · {message.locale} · rendered {time(message.renderTime)}
      </h3>
      {email !== undefined && (
        <>
          <p>
            <strong>Subject:</strong> {email.subject}
          </p>
          {email.htmlBody !== "" && (
            <iframe
              class="email-html"
              title="The email's HTML, as sent"
              sandbox=""
              referrerpolicy="no-referrer"
              srcdoc={email.htmlBody}
            />
          )}
          <details>
            <summary>Text part</summary>
            <pre>{email.textBody}</pre>
          </details>
        </>
      )}
      {sms !== undefined && (
        <>
          <pre class="sms">{sms.text}</pre>
          <p class="sms-size">
            {encodingName(sms.encoding)}, {sms.units} units, {sms.segments} segment
            {sms.segments === 1 ? "" : "s"}
            {sms.maxSegments > 0 && ` (at most ${sms.maxSegments})`}
          </p>
        </>
      )}
    </article>
  );
}

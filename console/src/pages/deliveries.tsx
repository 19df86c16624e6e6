// The delivery log: the notifications the filters match, a page at a time, newest first.
// The first page follows every change live (WatchNotifications with the same filter).
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useEffect, useRef, useState } from "preact/hooks";

import { api, describeError } from "../api";
import { Channel } from "../gen/herald/v1/common_pb";
import { NotificationState, type Notification } from "../gen/herald/v1/notification_pb";
import {
  NotificationFilterSchema,
  type NotificationFilter,
} from "../gen/herald/v1/notification_service_pb";
import { channelName, millis, stateName } from "../format";
import { NotificationTable } from "../components/notification_table";

interface Filters {
  customerId: string;
  eventId: string;
  templateName: string;
  state: NotificationState;
  channel: Channel;
  from: string; // datetime-local
  to: string;
}

const kNoFilters: Filters = {
  customerId: "",
  eventId: "",
  templateName: "",
  state: NotificationState.UNSPECIFIED,
  channel: Channel.UNSPECIFIED,
  from: "",
  to: "",
};

const kPageSize = 50;

const kStates = Object.values(NotificationState).filter(
  (v): v is NotificationState => typeof v === "number" && v !== NotificationState.UNSPECIFIED,
);
const kChannels = Object.values(Channel).filter(
  (v): v is Channel => typeof v === "number" && v !== Channel.UNSPECIFIED,
);

// The option a <select> chose, as the enum value it stands for.
function chosen<E extends number>(values: readonly E[], text: string, none: E): E {
  return values.find((v) => String(v) === text) ?? none;
}

function toFilter(f: Filters): NotificationFilter {
  return create(NotificationFilterSchema, {
    customerId: f.customerId.trim(),
    eventId: f.eventId.trim(),
    templateName: f.templateName.trim(),
    states: f.state === NotificationState.UNSPECIFIED ? [] : [f.state],
    channel: f.channel,
    ...(f.from !== "" ? { startTime: timestampFromDate(new Date(f.from)) } : {}),
    ...(f.to !== "" ? { endTime: timestampFromDate(new Date(f.to)) } : {}),
  });
}

// Whether a changed notification belongs on the first page under these filters.
function matches(n: Notification, f: Filters): boolean {
  return (
    (f.customerId.trim() === "" || n.customerId === f.customerId.trim()) &&
    (f.eventId.trim() === "" || n.eventId === f.eventId.trim()) &&
    (f.templateName.trim() === "" || n.templateName === f.templateName.trim()) &&
    (f.state === NotificationState.UNSPECIFIED || n.state === f.state) &&
    (f.channel === Channel.UNSPECIFIED || n.channel === f.channel) &&
    f.to === ""
  );
}

// `rows` with a changed notification applied: its row replaced (unless the row is newer),
// or, when it is new and the filters take it, on top.
function apply(rows: Notification[], n: Notification, f: Filters): Notification[] {
  const at = rows.findIndex((r) => r.notificationId === n.notificationId);
  if (at >= 0) {
    const row = rows[at];
    if (row !== undefined && millis(row.updateTime) > millis(n.updateTime)) return rows;
    return rows.map((r, i) => (i === at ? n : r));
  }
  if (!matches(n, f)) return rows;
  return [n, ...rows].slice(0, kPageSize);
}

export function Deliveries({ query }: { query: URLSearchParams }) {
  const initial: Filters = {
    ...kNoFilters,
    customerId: query.get("customer") ?? "",
    eventId: query.get("event") ?? "",
    templateName: query.get("template") ?? "",
  };
  const [draft, setDraft] = useState<Filters>(initial);
  const [filters, setFilters] = useState<Filters>(initial);
  const [pageTokens, setPageTokens] = useState<string[]>([""]); // tokens of the pages seen
  const [rows, setRows] = useState<Notification[]>([]);
  const [next, setNext] = useState("");
  const [error, setError] = useState("");
  const [live, setLive] = useState(false);
  // Read again once the watch has started: what changed before it began is in the
  // listing, what changed after comes on the stream.
  const [watchStarted, setWatchStarted] = useState(0);
  // The changes the watch brought since it started: a listing that answers after them
  // (it read the store before) gets them applied too.
  const watched = useRef(new Map<string, Notification>());
  const page = pageTokens.length - 1;

  useEffect(() => {
    let stale = false;
    setError("");
    api.notifications
      .listNotifications({
        filter: toFilter(filters),
        pageSize: kPageSize,
        pageToken: pageTokens[page] ?? "",
      })
      .then((r) => {
        if (stale) return;
        let listed = r.notifications;
        if (page === 0)
          for (const n of watched.current.values()) listed = apply(listed, n, filters);
        setRows(listed);
        setNext(r.nextPageToken);
      })
      .catch((e: unknown) => {
        if (!stale) setError(describeError(e));
      });
    return () => {
      stale = true;
    };
  }, [filters, pageTokens, page, watchStarted]);

  // Live on the first page: each change replaces its row, or comes in on top.
  useEffect(() => {
    if (page !== 0) return;
    const stop = new AbortController();
    const stopped = (): boolean => stop.signal.aborted;
    watched.current = new Map();
    const follow = async () => {
      for (let attempt = 0; !stopped(); attempt++) {
        try {
          const stream = api.notifications.watchNotifications(
            { filter: toFilter(filters) },
            {
              signal: stop.signal,
              onHeader: () => {
                setWatchStarted((n) => n + 1);
              },
            },
          );
          setLive(true);
          for await (const change of stream) {
            const n = change.notification;
            if (n === undefined) continue;
            attempt = 0;
            watched.current.delete(n.notificationId); // kept in arrival order
            watched.current.set(n.notificationId, n);
            // A listing answers within moments: the latest changes are all it can miss.
            if (watched.current.size > kPageSize * 4) {
              const oldest = watched.current.keys().next().value;
              if (oldest !== undefined) watched.current.delete(oldest);
            }
            setRows((current) => apply(current, n, filters));
          }
        } catch (e) {
          if (stopped()) return;
          setError(`Live updates interrupted: ${describeError(e)}; reconnecting`);
        }
        setLive(false);
        await new Promise((resolve) => setTimeout(resolve, Math.min(30000, 1000 * 2 ** attempt)));
      }
    };
    void follow();
    return () => {
      stop.abort();
      setLive(false);
    };
  }, [filters, page]);

  type TextField = "customerId" | "eventId" | "templateName" | "from" | "to";
  const field = (name: TextField, label: string, type = "text") => (
    <label>
      {label}
      <input
        type={type}
        name={name}
        value={draft[name]}
        onInput={(e) => {
          setDraft({ ...draft, [name]: e.currentTarget.value });
        }}
      />
    </label>
  );

  return (
    <section>
      <h1>
        Delivery log{" "}
        {page === 0 && (
          <span class={live ? "live on" : "live"} title="Changes appear as they happen">
            {live ? "live" : "not live"}
          </span>
        )}
      </h1>
      <form
        class="filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
          setPageTokens([""]);
        }}
      >
        {field("customerId", "Customer")}
        {field("eventId", "Event")}
        {field("templateName", "Template")}
        <label>
          State
          <select
            name="state"
            value={draft.state}
            onChange={(e) => {
              setDraft({
                ...draft,
                state: chosen(kStates, e.currentTarget.value, NotificationState.UNSPECIFIED),
              });
            }}
          >
            <option value={NotificationState.UNSPECIFIED}>any</option>
            {kStates.map((v) => (
              <option key={v} value={v}>
                {stateName(v)}
              </option>
            ))}
          </select>
        </label>
        <label>
          Channel
          <select
            name="channel"
            value={draft.channel}
            onChange={(e) => {
              setDraft({
                ...draft,
                channel: chosen(kChannels, e.currentTarget.value, Channel.UNSPECIFIED),
              });
            }}
          >
            <option value={Channel.UNSPECIFIED}>any</option>
            {kChannels.map((v) => (
              <option key={v} value={v}>
                {channelName(v)}
              </option>
            ))}
          </select>
        </label>
        {field("from", "From", "datetime-local")}
        {field("to", "Until", "datetime-local")}
        <button type="submit">Apply</button>
        <button
          type="button"
          class="secondary"
          onClick={() => {
            setDraft(kNoFilters);
            setFilters(kNoFilters);
            setPageTokens([""]);
          }}
        >
          Clear
        </button>
      </form>
      {error !== "" && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <NotificationTable notifications={rows} />
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={page === 0}
          onClick={() => {
            setPageTokens(pageTokens.slice(0, -1));
          }}
        >
          Newer
        </button>
        <span>Page {page + 1}</span>
        <button
          type="button"
          disabled={next === ""}
          onClick={() => {
            setPageTokens([...pageTokens, next]);
          }}
        >
          Older
        </button>
      </nav>
    </section>
  );
}

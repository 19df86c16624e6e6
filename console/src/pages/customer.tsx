// What a service agent needs about one customer: the profile, consents with their proof,
// suppressions, and every contact Herald made or held back, newest first. The privacy
// role exports or erases the customer here.
import { toJsonString } from "@bufbuild/protobuf";
import { useEffect, useState } from "preact/hooks";

import { api, describeError, isNotFound } from "../api";
import type { Notification } from "../gen/herald/v1/notification_pb";
import { CustomerExportSchema } from "../gen/herald/v1/privacy_service_pb";
import type { CustomerProfile } from "../gen/herald/v1/profile_pb";
import { categoryName, channelName, consentName, suppressionName, time } from "../format";
import { session } from "../session";
import { NotificationTable } from "../components/notification_table";

export function CustomerPage({ id }: { id: string }) {
  const [profile, setProfile] = useState<CustomerProfile | null>(null);
  const [missing, setMissing] = useState(false);
  const [history, setHistory] = useState<Notification[]>([]);
  const [next, setNext] = useState("");
  const [error, setError] = useState("");
  const [notice, setNotice] = useState("");
  const [reload, setReload] = useState(0);

  useEffect(() => {
    setError("");
    setMissing(false);
    api.profiles
      .getProfile({ customerId: id })
      .then((r) => {
        setProfile(r.profile ?? null);
      })
      .catch((e: unknown) => {
        if (isNotFound(e)) setMissing(true);
        else setError(describeError(e));
      });
    if (session.may("NotificationService.ListNotifications")) {
      api.notifications
        .listNotifications({ filter: { customerId: id }, pageSize: 50 })
        .then((r) => {
          setHistory(r.notifications);
          setNext(r.nextPageToken);
        })
        .catch((e: unknown) => {
          setError(describeError(e));
        });
    }
  }, [id, reload]);

  const more = async () => {
    try {
      const r = await api.notifications.listNotifications({
        filter: { customerId: id },
        pageSize: 50,
        pageToken: next,
      });
      setHistory([...history, ...r.notifications]);
      setNext(r.nextPageToken);
    } catch (e) {
      setError(describeError(e));
    }
  };

  const exportCustomer = async () => {
    try {
      const r = await api.privacy.exportCustomer({ customerId: id });
      if (r.customerExport === undefined) throw new Error("the export came back empty");
      const json = toJsonString(CustomerExportSchema, r.customerExport, { prettySpaces: 2 });
      const blob = new Blob([json], { type: "application/json" });
      const link = document.createElement("a");
      link.href = URL.createObjectURL(blob);
      link.download = `herald-export-${id}.json`;
      link.click();
      URL.revokeObjectURL(link.href);
      setNotice(`Exported ${id}.`);
    } catch (e) {
      setError(describeError(e));
    }
  };

  const erase = async () => {
    const typed = window.prompt(
      `Erase ${id}? Their contact data and message content are removed for good, and pending messages are not sent. Type the customer id to confirm.`,
    );
    if (typed !== id) return;
    try {
      const r = await api.privacy.eraseCustomer({ customerId: id });
      setNotice(
        r.alreadyErased
          ? `${id} was already erased (${time(r.eraseTime)}).`
          : `${id} erased; ${String(r.notificationsPurged)} notifications purged.`,
      );
      setReload(reload + 1);
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <section class="customer">
      <h1>Customer {id}</h1>
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
      {(session.may("PrivacyService.ExportCustomer") ||
        session.may("PrivacyService.EraseCustomer")) && (
        <div class="actions">
          {session.may("PrivacyService.ExportCustomer") && (
            <button type="button" onClick={() => void exportCustomer()}>
              Export
            </button>
          )}
          {session.may("PrivacyService.EraseCustomer") && (
            <button type="button" class="danger" onClick={() => void erase()}>
              Erase…
            </button>
          )}
        </div>
      )}
      {missing && <p class="empty">No profile: events carried this customer's contact data.</p>}
      {profile !== null && <Profile profile={profile} />}
      <h2>Contact history</h2>
      <NotificationTable notifications={history} showCustomer={false} />
      {next !== "" && (
        <button type="button" onClick={() => void more()}>
          Older
        </button>
      )}
    </section>
  );
}

function Profile({ profile: p }: { profile: CustomerProfile }) {
  return (
    <>
      <dl class="facts">
        <dt>Name</dt>
        <dd>{p.displayName}</dd>
        <dt>Email</dt>
        <dd>{p.email}</dd>
        <dt>Phone</dt>
        <dd>{p.phone}</dd>
        <dt>Language</dt>
        <dd>{p.locale}</dd>
        <dt>Time zone</dt>
        <dd>{p.timeZone}</dd>
        <dt>Preferred channels</dt>
        <dd>{p.preferredChannels.map(channelName).join(", ")}</dd>
        <dt>Quiet hours</dt>
        <dd>
          {p.quietHours?.start !== undefined && p.quietHours.end !== undefined
            ? `${pad(p.quietHours.start.hours)}:${pad(p.quietHours.start.minutes)}–${pad(p.quietHours.end.hours)}:${pad(p.quietHours.end.minutes)}`
            : "policy default"}
        </dd>
        <dt>Updated</dt>
        <dd>{time(p.updateTime)}</dd>
      </dl>
      <h2>Consents</h2>
      {p.consents.length === 0 ? (
        <p class="empty">None recorded: each category's default applies.</p>
      ) : (
        <table class="consents">
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col">Channel</th>
              <th scope="col">Choice</th>
              <th scope="col">Source</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {p.consents.map((c, i) => (
              <tr key={i}>
                <td>{categoryName(c.category)}</td>
                <td>{channelName(c.channel) || "every channel"}</td>
                <td>{consentName(c.state)}</td>
                <td>{c.source}</td>
                <td>{time(c.updateTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>Suppressions</h2>
      {p.suppressions.length === 0 ? (
        <p class="empty">None.</p>
      ) : (
        <table class="suppressions">
          <thead>
            <tr>
              <th scope="col">Reason</th>
              <th scope="col">Channel</th>
              <th scope="col">Category</th>
              <th scope="col">Detail</th>
              <th scope="col">Since</th>
              <th scope="col">Until</th>
            </tr>
          </thead>
          <tbody>
            {p.suppressions.map((s, i) => (
              <tr key={i}>
                <td>{suppressionName(s.reason)}</td>
                <td>{channelName(s.channel) || "every channel"}</td>
                <td>{categoryName(s.category) || "every category"}</td>
                <td>{s.detail}</td>
                <td>{time(s.createTime)}</td>
                <td>{s.expireTime !== undefined ? time(s.expireTime) : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function pad(n: number): string {
  return String(n).padStart(2, "0");
}

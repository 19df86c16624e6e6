// Notifications as rows, newest first; each opens its page.
import type { Notification } from "../gen/herald/v1/notification_pb";
import { channelName, href, time } from "../format";
import { StateBadge } from "./state_badge";

export function NotificationTable({
  notifications,
  showCustomer = true,
}: {
  notifications: Notification[];
  showCustomer?: boolean;
}) {
  if (notifications.length === 0) return <p class="empty">No notifications.</p>;
  return (
    <table class="notifications">
      <thead>
        <tr>
          <th scope="col">Created</th>
          {showCustomer && <th scope="col">Customer</th>}
          <th scope="col">Template</th>
          <th scope="col">Channel</th>
          <th scope="col">State</th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {notifications.map((n) => (
          <tr key={n.notificationId} data-id={n.notificationId}>
            <td>
              <a href={href("deliveries", n.notificationId)}>{time(n.createTime)}</a>
            </td>
            {showCustomer && (
              <td>
                <a href={href("customers", n.customerId)}>{n.customerId}</a>
              </td>
            )}
            <td>{n.templateName}</td>
            <td>{channelName(n.channel)}</td>
            <td>
              <StateBadge state={n.state} />
            </td>
            <td class="why">{n.decision?.reason ?? ""}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

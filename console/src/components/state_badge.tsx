import type { NotificationState } from "../gen/herald/v1/notification_pb";
import { stateName } from "../format";

export function StateBadge({ state }: { state: NotificationState }) {
  const name = stateName(state);
  return <span class={`state state-${name.toLowerCase()}`}>{name}</span>;
}

// How values read on screen: enum names without their prefix, times in the browser's zone.
import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";

import { Category, Channel } from "./gen/herald/v1/common_pb";
import { AttemptResult, DecisionOutcome, NotificationState } from "./gen/herald/v1/notification_pb";
import { ConsentState, SuppressionReason } from "./gen/herald/v1/profile_pb";
import { SmsEncoding } from "./gen/herald/v1/template_service_pb";

function enumName(names: Record<number, string>, value: number): string {
  const name = names[value] ?? String(value);
  return name === "UNSPECIFIED" ? "" : name;
}

export const stateName = (s: NotificationState): string => enumName(NotificationState, s);
export const channelName = (c: Channel): string => enumName(Channel, c);
export const categoryName = (c: Category): string => enumName(Category, c);
export const outcomeName = (o: DecisionOutcome): string => enumName(DecisionOutcome, o);
export const resultName = (r: AttemptResult): string => enumName(AttemptResult, r);
export const consentName = (c: ConsentState): string => enumName(ConsentState, c);
export const suppressionName = (r: SuppressionReason): string => enumName(SuppressionReason, r);
export const encodingName = (e: SmsEncoding): string =>
  enumName(SmsEncoding, e).replace("GSM_7", "GSM-7").replace("UCS_2", "UCS-2");

export function time(ts: Timestamp | undefined): string {
  if (ts === undefined) return "";
  return timestampDate(ts).toLocaleString(undefined, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

export function millis(ts: Timestamp | undefined): number {
  return ts === undefined ? 0 : timestampDate(ts).getTime();
}

/** The route of a page: "#/customers/anna" → ["customers", "anna"]. */
export function href(...parts: string[]): string {
  return "#/" + parts.map(encodeURIComponent).join("/");
}

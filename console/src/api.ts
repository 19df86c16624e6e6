// The API clients, generated from proto/ (src/gen), over heraldd's JSON API on the same
// origin. Every call carries the signed-in caller's token.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";

import { DeadLetterService } from "./gen/herald/v1/dead_letter_service_pb";
import { KeyService } from "./gen/herald/v1/key_service_pb";
import { NotificationService } from "./gen/herald/v1/notification_service_pb";
import { OperatorService } from "./gen/herald/v1/operator_service_pb";
import { PrivacyService } from "./gen/herald/v1/privacy_service_pb";
import { ProfileService } from "./gen/herald/v1/profile_service_pb";
import { TemplateService } from "./gen/herald/v1/template_service_pb";
import { EventService } from "./gen/herald/v1/event_service_pb";
import { session } from "./session";

const bearer: Interceptor = (next) => (request) => {
  const token = session.token();
  if (token !== "") request.header.set("Authorization", `Bearer ${token}`);
  return next(request);
};

const transport = createConnectTransport({
  baseUrl: window.location.origin,
  interceptors: [bearer],
});

export const api = {
  keys: createClient(KeyService, transport),
  notifications: createClient(NotificationService, transport),
  privacy: createClient(PrivacyService, transport),
  profiles: createClient(ProfileService, transport),
  templates: createClient(TemplateService, transport),
  events: createClient(EventService, transport),
  deadLetters: createClient(DeadLetterService, transport),
  operators: createClient(OperatorService, transport),
};

/** What to tell the user about a failed call: the server's own message. */
export function describeError(error: unknown): string {
  const e = ConnectError.from(error);
  if (e.code === Code.Unauthenticated) return `Not signed in: ${e.rawMessage}`;
  if (e.code === Code.PermissionDenied) return `Not allowed: ${e.rawMessage}`;
  return e.rawMessage || e.message;
}

export function isNotFound(error: unknown): boolean {
  return ConnectError.from(error).code === Code.NotFound;
}

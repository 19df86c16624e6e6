// Who is signed in: the token (kept for this browser tab only) and what the server says
// the caller may do (KeyService.GetCaller), so the console offers only that.
import type { GetCallerResponse } from "./gen/herald/v1/key_service_pb";

const kTokenKey = "herald.token";

let caller: GetCallerResponse | null = null;

export const session = {
  token(): string {
    return sessionStorage.getItem(kTokenKey) ?? "";
  },
  caller(): GetCallerResponse | null {
    return caller;
  },
  /** Calls carry this token from now on; remember() the caller once the server named it. */
  setToken(token: string): void {
    sessionStorage.setItem(kTokenKey, token);
    caller = null;
  },
  remember(who: GetCallerResponse): void {
    caller = who;
  },
  signOut(): void {
    sessionStorage.removeItem(kTokenKey);
    caller = null;
  },
  /** Whether the caller may call "Service.Method". */
  may(method: string): boolean {
    return caller?.methods.includes(method) ?? false;
  },
};

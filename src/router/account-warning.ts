/**
 * An account under the AUP status `warned` keeps working; every authenticated
 * response tells it why, in `x-emby-account-warning` (docs/enforcement.md).
 */
import type { Context } from "hono";
import type { AppEnv } from "./env";

export const ACCOUNT_WARNING_HEADER = "x-emby-account-warning";
const MAX_LENGTH = 300;

/** The header value: the operator's reason as printable ASCII (a header cannot carry more), else a generic notice. */
export function accountWarning(reason: string | null): string {
  const text = (reason ?? "").replace(/[^\x20-\x7e]/g, "?").trim().slice(0, MAX_LENGTH);
  return text || "This account has been warned under the acceptable use policy.";
}

/** Adds the warning to the response when the request's account is warned (its view as the limiter corrected it). */
export function addAccountWarning(c: Context<AppEnv>): void {
  const auth = c.get("auth") as AppEnv["Variables"]["auth"] | undefined;
  if (auth?.accountStatus !== "warned") return;
  const value = accountWarning(auth.statusReason);
  try {
    c.res.headers.set(ACCOUNT_WARNING_HEADER, value);
  } catch {
    // Immutable headers (a response passed through as received): copy once.
    const copy = new Response(c.res.body, c.res);
    copy.headers.set(ACCOUNT_WARNING_HEADER, value);
    c.res = copy;
  }
}

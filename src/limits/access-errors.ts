/**
 * The errors for a key or account that may not be used: one wording whether
 * the router's own view (src/router/middleware/api-key-auth.ts) or the
 * account's limiter (a change the router's cache has not seen yet) refuses.
 */
import { ApiError, errors } from "../shared/errors";
import type { RefusalCode } from "./access-state";

/** A refusal for access: the router evicts its cached view of the account on seeing one. */
export class AccessRefusedError extends ApiError {}

/**
 * 401 for a revoked key or closed account, 403 for a suspended or terminated
 * one, with the operator's reason and where to appeal (docs/enforcement.md).
 */
export function accessRefused(code: RefusalCode, reason: string | null, appealsContact: string): AccessRefusedError {
  const because = reason ? ` Reason: ${reason}` : "";
  const make = (base: ApiError) => new AccessRefusedError(base.status, base.type, base.code, base.message);
  switch (code) {
    case "revoked_api_key":
      return make(errors.unauthorized("This API key has been revoked.", code));
    case "account_closed":
      return make(errors.unauthorized("This account is closed.", code));
    case "account_suspended":
      return make(errors.forbidden(`This account is suspended under the acceptable use policy.${because} To appeal, contact ${appealsContact}; a suspension can be lifted.`, code));
    case "account_terminated":
      return make(errors.forbidden(`This account has been terminated under the acceptable use policy.${because} To appeal, contact ${appealsContact}.`, code));
  }
}

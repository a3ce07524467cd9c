import type { Context } from "hono";
import { errors } from "../../shared/errors";
import type { AppEnv } from "../env";

/**
 * Erasure on request, `DELETE /v1/account?erase=now`. STUB: the erasure work
 * replaces it; until then the parameter is refused rather than read as a
 * plain closure.
 */
export async function eraseAccountNow(_c: Context<AppEnv>): Promise<Response> {
  throw errors.invalidRequest("not yet");
}

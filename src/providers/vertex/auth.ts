/**
 * Vertex AI's `Authorization: Bearer` header from the endpoint's access token
 * source, fetched inside the attempt: its failure (an ApiError, 502
 * `upstream_auth_token_failed`) is this route's failure, so the next route
 * is tried.
 */
import { errors } from "../../shared/errors";
import type { ProviderConfig } from "../types";
import { ClientClosedError } from "../upstream";

/**
 * A client that leaves while the token is on its way ends the attempt at
 * once, with nothing sent upstream; so does a token that takes longer than
 * the attempt's first-byte timeout (the token request is shared by every
 * caller and bounded at 10 s on its own, longer than a route may allow). The
 * token request itself goes on either way: the source caches it for the next call.
 */
function bounded<T>(promise: Promise<T>, signal: AbortSignal, timeoutMs: number): Promise<T> {
  if (signal.aborted) return Promise.reject(new ClientClosedError(false));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ClientClosedError(false));
    const timer = setTimeout(
      () => reject(errors.upstream("Google's token endpoint did not answer within the route's timeout.", "upstream_auth_token_failed")),
      timeoutMs,
    );
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
    });
  });
}

export async function bearerHeader(config: ProviderConfig, clientSignal: AbortSignal): Promise<{ authorization: string }> {
  if (!config.accessToken) throw errors.upstream("Vertex AI is not configured on this router.", "provider_not_configured");
  const cached = config.accessToken();
  const token = typeof cached === "string" ? cached : await bounded(cached, clientSignal, config.timeoutMs);
  return { authorization: `Bearer ${token}` };
}

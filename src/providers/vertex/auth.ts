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
 * once, with nothing sent upstream; the token request itself goes on (the
 * source caches it for the next call).
 */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new ClientClosedError(false));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new ClientClosedError(false));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export async function bearerHeader(config: ProviderConfig, clientSignal: AbortSignal): Promise<{ authorization: string }> {
  if (!config.accessToken) throw errors.upstream("Vertex AI is not configured on this router.", "provider_not_configured");
  const token = await unlessAborted(config.accessToken(), clientSignal);
  return { authorization: `Bearer ${token}` };
}

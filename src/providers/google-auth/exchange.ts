/**
 * Trades a signed assertion for an access token at the token endpoint
 * (GOOGLE_TOKEN_URL, operator configuration only). Like every upstream call
 * (upstream.ts): no client input, redirects never followed, a bounded wait.
 * Whatever goes wrong is one error, 502 `upstream_auth_token_failed`, a
 * failure of the route that needed the token (the attempt loop moves on). Its
 * message never quotes the endpoint's body, the assertion or the key.
 */
import { z } from "zod";
import { errors, type ApiError } from "../../shared/errors";
import { parseEventData } from "../sse-translator";

/**
 * Longest wait for the token endpoint's whole answer. Not the route's
 * first-byte timeout: several requests may share one refresh, so no single
 * request's deadline may cut it short. Google answers in well under a second.
 */
export const TOKEN_TIMEOUT_MS = 10_000;

const JWT_BEARER_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer";

const TOKEN_RESPONSE = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().int().positive(),
  token_type: z.string().regex(/^bearer$/i),
});

/** RFC 6749's error code (e.g. "invalid_grant"): a short fixed word, safe for the operator's log, unlike error_description. */
const ERROR_RESPONSE = z.object({ error: z.string().regex(/^[a-z_]{1,64}$/) });

export interface AccessToken {
  value: string;
  /** Lifetime from the moment the request was sent, in milliseconds. */
  lifetimeMs: number;
}

export function tokenFailure(reason: string): ApiError {
  return errors.upstream(`Vertex AI is unavailable: the router could not get an access token from Google (${reason}).`, "upstream_auth_token_failed");
}

export async function exchangeAssertion(tokenUrl: string, assertion: string): Promise<AccessToken> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(tokenUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/json" },
      body: new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion }).toString(),
      redirect: "manual",
      // Covers the body too: the token's answer is small and read whole.
      signal: AbortSignal.timeout(TOKEN_TIMEOUT_MS),
    });
    text = await res.text();
  } catch (err) {
    const timedOut = err instanceof Error && err.name === "TimeoutError";
    console.error(`google auth: token endpoint ${timedOut ? "timed out" : "unreachable"}`);
    throw tokenFailure(timedOut ? `no answer within ${TOKEN_TIMEOUT_MS / 1000} s` : "token endpoint unreachable");
  }
  if (res.status < 200 || res.status >= 300) {
    const code = parseEventData(text, ERROR_RESPONSE)?.error ?? "none";
    console.error(`google auth: token endpoint answered HTTP ${res.status}, OAuth error ${code}`);
    throw tokenFailure(`HTTP ${res.status}`);
  }
  const token = parseEventData(text, TOKEN_RESPONSE);
  if (!token) {
    console.error("google auth: token endpoint answered 2xx without a valid token response");
    throw tokenFailure("invalid token response");
  }
  return { value: token.access_token, lifetimeMs: token.expires_in * 1000 };
}

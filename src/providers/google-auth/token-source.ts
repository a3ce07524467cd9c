/**
 * Google OAuth access tokens from a service account key
 * (VERTEX_SERVICE_ACCOUNT), for Vertex AI.
 *
 * - Tokens live only in this isolate's memory, one per service account and
 *   token endpoint, shared by every route and request (never stored, logged
 *   or sent anywhere but to Vertex AI).
 * - A token is refreshed once less than REFRESH_MARGIN_MS of its life is left
 *   (Google's last an hour), so no request leaves with a token that expires
 *   on its way. At most one refresh is in flight: concurrent callers share it.
 * - A failed refresh is not cached as a token: after FAILURE_BACKOFF_MS the
 *   next call tries again. Within the back-off, callers get the same error at
 *   once, so a broken token endpoint sees one request per back-off per
 *   isolate, not one per client request; a token that is still valid (not yet
 *   refreshed only because it is near its end) keeps serving meanwhile.
 * - Every failure is an ApiError 502 `upstream_auth_token_failed` (exchange.ts).
 */
import { ApiError } from "../../shared/errors";
import { GOOGLE_TOKEN_AUDIENCE, importSigningKey, signAssertion } from "./assertion";
import { exchangeAssertion, tokenFailure } from "./exchange";
import { parseServiceAccount, type ServiceAccount } from "./service-account";

/** Refresh when less than this is left: 5 minutes, Google's client libraries' own margin is of that order. */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** After a failed refresh, how long callers get that failure before the endpoint is asked again. */
export const FAILURE_BACKOFF_MS = 5_000;
/** A token with less life than this left is not handed out even when a refresh failed. */
const MIN_USABLE_MS = 60_000;

/** Milliseconds since the epoch; injectable so tests move time instead of waiting. */
export type Now = () => number;

interface TokenCache {
  signingKey?: ReturnType<typeof importSigningKey>;
  token?: { value: string; expiresAt: number };
  refreshing?: Promise<string>;
  failure?: { at: number; error: ApiError };
}

/** Per isolate: service account (email and key id) and token endpoint → its token. */
const caches = new Map<string, TokenCache>();
/** Per env: its token source, so the secret is parsed (and a bad one reported) once, not once per route. */
const sources = new WeakMap<object, TokenSource | null>();

/** A token at once when a fresh one is cached (no promise, no timer on the warm path), else a promise of one. */
export type TokenSource = () => string | Promise<string>;

/**
 * The access token source of the env's service account, or null when there
 * is none or it is malformed (the Vertex endpoint is then not configured; one
 * console.error names the problem, never the key). `now` is for tests.
 */
export function googleAccessTokenSource(env: Env, now: Now = Date.now): TokenSource | null {
  if (!sources.has(env)) sources.set(env, buildSource(env, now));
  return sources.get(env)!;
}

function buildSource(env: Env, now: Now): TokenSource | null {
  if (!env.VERTEX_SERVICE_ACCOUNT) return null;
  const tokenUrl = env.GOOGLE_TOKEN_URL || GOOGLE_TOKEN_AUDIENCE;
  // The signed assertion is good at Google for an hour whoever receives it:
  // in production it goes to Google's token endpoint and nowhere else.
  if (env.DURABLE_OBJECT_JURISDICTION === "eu" && tokenUrl !== GOOGLE_TOKEN_AUDIENCE) {
    console.error(`GOOGLE_TOKEN_URL is not ${GOOGLE_TOKEN_AUDIENCE}, so Vertex AI routes are skipped: the service account's assertion goes to Google only`);
    return null;
  }
  const account = parseServiceAccount(env.VERTEX_SERVICE_ACCOUNT);
  if ("problem" in account) {
    console.error(`VERTEX_SERVICE_ACCOUNT is not usable, so Vertex AI routes are skipped: ${account.problem}`);
    return null;
  }
  const key = JSON.stringify([account.clientEmail, account.privateKeyId, tokenUrl]);
  let cache = caches.get(key);
  if (!cache) caches.set(key, (cache = {}));
  return () => accessToken(cache, account, tokenUrl, now);
}

function accessToken(cache: TokenCache, account: ServiceAccount, tokenUrl: string, now: Now): string | Promise<string> {
  const current = cache.token;
  if (current && current.expiresAt - now() > REFRESH_MARGIN_MS) return current.value;
  return renewedToken(cache, account, tokenUrl, now);
}

async function renewedToken(cache: TokenCache, account: ServiceAccount, tokenUrl: string, now: Now): Promise<string> {
  const t = now();
  const current = cache.token;
  const stillUsable = current && current.expiresAt - t > MIN_USABLE_MS ? current.value : null;
  if (cache.failure && t - cache.failure.at < FAILURE_BACKOFF_MS) {
    if (stillUsable) return stillUsable;
    throw cache.failure.error;
  }
  cache.refreshing ??= refresh(cache, account, tokenUrl, now).finally(() => {
    cache.refreshing = undefined;
  });
  try {
    return await cache.refreshing;
  } catch (err) {
    if (stillUsable) return stillUsable;
    throw err;
  }
}

async function refresh(cache: TokenCache, account: ServiceAccount, tokenUrl: string, now: Now): Promise<string> {
  const sentAt = now();
  try {
    const token = await exchangeAssertion(tokenUrl, await signedAssertion(cache, account, sentAt));
    // Counted from when the request left, so the endpoint's own delay cannot stretch the token's life.
    cache.token = { value: token.value, expiresAt: sentAt + token.lifetimeMs };
    cache.failure = undefined;
    return token.value;
  } catch (err) {
    const error = err instanceof ApiError ? err : tokenFailure("internal error");
    cache.failure = { at: now(), error };
    throw error;
  }
}

async function signedAssertion(cache: TokenCache, account: ServiceAccount, nowMs: number): Promise<string> {
  cache.signingKey ??= importSigningKey(account);
  try {
    return await signAssertion(account, await cache.signingKey, Math.floor(nowMs / 1000));
  } catch {
    // The PEM has the right shape but is not an RSA PKCS#8 key. The failed
    // import stays cached: nothing but a new secret (a new deployment) fixes it.
    console.error("google auth: VERTEX_SERVICE_ACCOUNT's private_key is not a usable RSA key (PKCS#8)");
    throw tokenFailure("the service account's private key is unusable");
  }
}

import { createMiddleware } from "hono/factory";
import { tierInForce } from "../../billing/tier";
import { coreDb } from "../../db/client";
import { findKeyByHash, touchKey, type KeyWithAccount } from "../../db/keys";
import type { KeyScope } from "../../db/schema";
import { hasValidKeyFormat } from "../../shared/api-key";
import { sha256Hex, timingSafeEqualHex } from "../../shared/crypto";
import { ApiError, errors } from "../../shared/errors";
import { KEY_ROTATION_DUE_HEADER, isRotationDue, rotationDueAt } from "../../shared/key-rotation";
import { accessRefused } from "../../limits/access-errors";
import { addAccountWarning } from "../account-warning";
import { AUTH_CACHE_TTL_MS, FRESH_VIEW_MS, getCached, putCached, shouldWriteLastUsed } from "../auth-cache";
import { addressBucket, blockedForMs, recordAuthFailure, shareAuthFailure } from "../auth-failures";
import type { AppEnv, AuthContext } from "../env";
import { hasHandler } from "../method-not-allowed";
import { bearerToken, rejectQueryCredentials } from "./credentials";

/**
 * Reads the key from `Authorization: Bearer` or (for Anthropic clients)
 * `x-api-key`. Keys in the query string are refused earlier (credentials.ts).
 */
function presentedKey(headers: Headers): string | null {
  const auth = headers.get("authorization");
  if (auth) return bearerToken(auth);
  return headers.get("x-api-key")?.trim() || null;
}

/** The key's record and when it was read from D1 (the view's age). */
async function lookup(env: Env, keyHash: string, now: number, maxAgeMs: number, clientBucket: () => string): Promise<{ found: KeyWithAccount | null; asOf: number }> {
  const cached = getCached(keyHash, now, maxAgeMs);
  if (cached) return { found: cached.value, asOf: cached.fetchedAt };
  // Cold path only: an address that keeps failing is refused before D1 is
  // asked, unless this isolate validated the key within the cache bound and
  // only re-reads it for freshness (FRESH_VIEW_MS): no guess costs D1 that way.
  const known = getCached(keyHash, now)?.value != null;
  const waitMs = known ? 0 : blockedForMs(clientBucket(), now);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    throw new ApiError(
      429,
      "rate_limit_error",
      "too_many_failed_authentications",
      `Too many requests with unknown API keys from your address; retry in ${seconds} s with a valid key.`,
      null,
      { "retry-after": String(seconds) },
    );
  }
  const found = await findKeyByHash(coreDb(env.DB), keyHash);
  putCached(keyHash, found, now);
  return { found, asOf: now };
}

function toAuthContext(found: KeyWithAccount, asOf: number, now: number): AuthContext {
  const { key, account } = found;
  return {
    keyId: key.id,
    accountId: account.id,
    // Worked out per request, so a cached record lapses on time too.
    tier: tierInForce(account, now),
    tierUntil: account.tierUntil,
    accountStatus: account.status,
    statusReason: account.statusReason,
    authAsOf: asOf,
    scopes: key.scopes,
    allowedModels: key.allowedModels,
    limits: { rpm: key.rpmLimit, tpm: key.tpmLimit, concurrency: key.concurrencyLimit },
    nonEuConsent: found.nonEuConsent,
    euOnly: key.dataRegion === "eu",
    restricted: account.restrictedAt !== null,
    keyCreatedAt: key.createdAt,
    budget: key.budgetNanoUsd !== null && key.budgetPeriod !== null ? { limitNano: key.budgetNanoUsd, period: key.budgetPeriod } : null,
    cacheSalt: account.cacheSalt,
    cacheTtlDefault: key.cacheTtl,
  };
}

export interface ApiKeyAuthOptions {
  /**
   * Every request of the route that reaches a model visits the account's
   * limiter, which refuses or corrects a cached view older than an access
   * change: the view may then be up to AUTH_CACHE_TTL_MS old. Other routes re-read a view
   * older than FRESH_VIEW_MS from D1, so a revocation or suspension reaches
   * them within that bound too (docs/enforcement.md).
   */
  visitsLimiter?: boolean;
}

/**
 * Authenticates a customer API key and requires a scope (or one of a list).
 * 401: missing, malformed, unknown, revoked or expired key, or a closed account.
 * 403: suspended or terminated account, or a key without the scope.
 * Once authenticated, every response (errors included) of a key due for
 * rotation carries KEY_ROTATION_DUE_HEADER, worked out from the key already
 * in hand: no query.
 * A method the path does not take is left to notFound (405 with Allow) first:
 * mounted with `.use`, this runs for every method, and a CORS preflight never
 * carries credentials. An account under the AUP status `warned` gets
 * x-emby-account-warning on every response.
 */
export function apiKeyAuth(scope: KeyScope | readonly KeyScope[], options: ApiKeyAuthOptions = {}) {
  // A list: a key with any one of the scopes (a read every key of the account may make).
  const accepted: readonly KeyScope[] = typeof scope === "string" ? [scope] : scope;
  const maxAgeMs = options.visitsLimiter ? AUTH_CACHE_TTL_MS : FRESH_VIEW_MS;
  return createMiddleware<AppEnv>(async (c, next) => {
    if (!hasHandler(c)) return c.notFound();
    rejectQueryCredentials(c.req.url);
    const key = presentedKey(c.req.raw.headers);
    if (!key) throw errors.unauthorized("Missing API key. Send it as 'Authorization: Bearer <key>'.", "missing_api_key");
    // The checksum rejects typos and forgeries without a database lookup.
    if (!hasValidKeyFormat(key)) throw errors.unauthorized("Invalid API key.");
    const now = Date.now();
    const keyHash = await sha256Hex(key);
    // Worked out only off the warm path (a cache miss or a failure).
    const clientBucket = () => addressBucket(c.req.header("cf-connecting-ip"));
    const { found, asOf } = await lookup(c.env, keyHash, now, maxAgeMs, clientBucket);
    // The lookup is by hash; the stored hash is still compared in constant time.
    if (!found || !timingSafeEqualHex(found.key.keyHash, keyHash)) {
      const bucket = clientBucket();
      recordAuthFailure(bucket, now);
      c.executionCtx.waitUntil(shareAuthFailure(c.env.AUTH_FAILURES, bucket, now));
      throw errors.unauthorized("Invalid API key.");
    }
    const { key: record, account } = found;
    const appeals = c.env.APPEALS_CONTACT;
    // A termination revoked every key: say why, not just that the key was revoked.
    if (account.status === "terminated") throw accessRefused("account_terminated", account.statusReason, appeals);
    if (record.status === "revoked") throw accessRefused("revoked_api_key", null, appeals);
    if (record.expiresAt !== null && record.expiresAt <= now) throw errors.unauthorized("This API key has expired.", "expired_api_key");
    if (account.closedAt !== null) throw accessRefused("account_closed", null, appeals);
    if (account.status === "suspended") throw accessRefused("account_suspended", account.statusReason, appeals);
    if (!accepted.some((s) => found.key.scopes.includes(s))) throw errors.forbidden(`This API key lacks the '${accepted.join("' or '")}' scope.`, "missing_scope");

    c.set("auth", toAuthContext(found, asOf, now));
    if (shouldWriteLastUsed(found.key.id, now)) {
      c.executionCtx.waitUntil(touchKey(coreDb(c.env.DB), found.key.id, now).catch(() => {}));
    }
    await next();
    // After next: onError has already turned a thrown error into c.res.
    if (isRotationDue(found.key, now)) c.header(KEY_ROTATION_DUE_HEADER, new Date(rotationDueAt(found.key.createdAt)).toISOString());
    addAccountWarning(c);
  });
}

import { createMiddleware } from "hono/factory";
import { coreDb } from "../../db/client";
import { findKeyByHash, touchKey, type KeyWithAccount } from "../../db/keys";
import type { KeyScope } from "../../db/schema";
import { hasValidKeyFormat } from "../../shared/api-key";
import { sha256Hex, timingSafeEqualHex } from "../../shared/crypto";
import { ApiError, errors } from "../../shared/errors";
import { KEY_ROTATION_DUE_HEADER, isRotationDue, rotationDueAt } from "../../shared/key-rotation";
import { getCached, putCached, shouldWriteLastUsed } from "../auth-cache";
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

async function lookup(env: Env, keyHash: string, now: number, clientBucket: () => string): Promise<KeyWithAccount | null> {
  const cached = getCached(keyHash, now);
  if (cached) return cached.value;
  // Cold path only: an address that keeps failing is refused before D1 is asked.
  const waitMs = blockedForMs(clientBucket(), now);
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
  return found;
}

function toAuthContext(found: KeyWithAccount): AuthContext {
  const { key, account } = found;
  return {
    keyId: key.id,
    accountId: account.id,
    tier: account.tier,
    accountStatus: account.status,
    scopes: key.scopes,
    allowedModels: key.allowedModels,
    limits: { rpm: key.rpmLimit, tpm: key.tpmLimit, concurrency: key.concurrencyLimit },
    nonEuConsent: found.nonEuConsent,
    euOnly: key.dataRegion === "eu",
    restricted: account.restrictedAt !== null,
    keyCreatedAt: key.createdAt,
  };
}

/**
 * Authenticates a customer API key and requires a scope.
 * 401: missing, malformed, unknown, revoked or expired key, or a closed account.
 * 403: suspended or terminated account, or a key without the scope.
 * Once authenticated, every response (errors included) of a key due for
 * rotation carries KEY_ROTATION_DUE_HEADER, worked out from the key already
 * in hand: no query.
 * A method the path does not take is left to notFound (405 with Allow) first:
 * mounted with `.use`, this runs for every method, and a CORS preflight never
 * carries credentials.
 */
export function apiKeyAuth(scope: KeyScope) {
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
    const found = await lookup(c.env, keyHash, now, clientBucket);
    // The lookup is by hash; the stored hash is still compared in constant time.
    if (!found || !timingSafeEqualHex(found.key.keyHash, keyHash)) {
      const bucket = clientBucket();
      recordAuthFailure(bucket, now);
      c.executionCtx.waitUntil(shareAuthFailure(c.env.AUTH_FAILURES, bucket, now));
      throw errors.unauthorized("Invalid API key.");
    }
    if (found.key.status === "revoked") throw errors.unauthorized("This API key has been revoked.", "revoked_api_key");
    if (found.key.expiresAt !== null && found.key.expiresAt <= now) throw errors.unauthorized("This API key has expired.", "expired_api_key");
    if (found.account.closedAt !== null) throw errors.unauthorized("This account is closed.", "account_closed");
    if (found.account.status === "suspended") throw errors.forbidden("This account is suspended.", "account_suspended");
    if (found.account.status === "terminated") throw errors.forbidden("This account has been terminated.", "account_terminated");
    if (!found.key.scopes.includes(scope)) throw errors.forbidden(`This API key lacks the '${scope}' scope.`, "missing_scope");

    c.set("auth", toAuthContext(found));
    if (shouldWriteLastUsed(found.key.id, now)) {
      c.executionCtx.waitUntil(touchKey(coreDb(c.env.DB), found.key.id, now).catch(() => {}));
    }
    await next();
    // After next: onError has already turned a thrown error into c.res.
    if (isRotationDue(found.key, now)) c.header(KEY_ROTATION_DUE_HEADER, new Date(rotationDueAt(found.key.createdAt)).toISOString());
  });
}

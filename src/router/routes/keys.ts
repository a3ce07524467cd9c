/**
 * The customer key API (/v1/keys, `manage` scope): list, create, read, patch
 * (narrow only), revoke and rotate the account's keys, over the shared logic
 * in src/self-service/keys.ts with the calling key as the bound. Rules and
 * choices: docs/keys.md.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { coreDb } from "../../db/client";
import { findAccountKey, listKeys } from "../../db/keys";
import { currentCatalogue } from "../../routing/catalogue-store";
import { grantOf } from "../../self-service/key-bounds";
import { createKeyBody, rotateKeyBody, updateKeyBody } from "../../self-service/key-schemas";
import { accountKeyOrThrow, createAccountKey, revokeAccountKey, rotateAccountKey, updateAccountKey, type CallerGrant, type KeyDeps } from "../../self-service/keys";
import { errors } from "../../shared/errors";
import { evictAccount } from "../auth-cache";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { accountKeySpend } from "../../self-service/budget";
import { keyView } from "../../self-service/views";

export { createKeyBody, rotateKeyBody, updateKeyBody };

type Ctx = Context<AppEnv>;

const actorOf = (c: Ctx) => `key:${c.get("auth").keyId}`;

function deps(c: Ctx): KeyDeps {
  return { db: coreDb(c.env.DB), limiter: c.env, catalogue: () => currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p)) };
}

/**
 * The calling key as D1 holds it now, not as this isolate's auth cache
 * remembers it (up to 30 s old): a key narrowed or revoked a moment ago
 * must not hand out what it no longer has.
 */
function callerGrant(c: Ctx): CallerGrant {
  return async () => {
    const { accountId, keyId } = c.get("auth");
    const caller = await findAccountKey(coreDb(c.env.DB), accountId, keyId);
    if (!caller || caller.status !== "active") throw errors.unauthorized("This API key has been revoked.", "revoked_api_key");
    return grantOf(caller);
  };
}

/** The rotate body is optional: no body at all means the default grace period. */
async function readRotateBody(c: Ctx) {
  const empty = c.req.raw.body === null || c.req.header("content-length") === "0";
  return empty ? rotateKeyBody.parse({}) : readJson(c.req.raw, rotateKeyBody);
}

export const keysRoutes = new Hono<AppEnv>()
  // Listings and new keys must not be kept by any cache.
  .use(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  })
  .use(apiKeyAuth("manage"))
  // Budgets show their spend, which the account's limiter object holds: one call for the whole listing (none without budgets).
  .get("/", async (c) => {
    const { accountId } = c.get("auth");
    const keys = await listKeys(coreDb(c.env.DB), accountId);
    const spend = await accountKeySpend(c.env, accountId, keys);
    const now = Date.now();
    return c.json({ object: "list", data: keys.map((k) => keyView(k, now, spend)) });
  })
  .post("/", async (c) => {
    const body = await readJson(c.req.raw, createKeyBody);
    const { key, record } = await createAccountKey(deps(c), c.get("auth").accountId, body, callerGrant(c), actorOf(c));
    return c.json({ ...keyView(record), key }, 201);
  })
  .get("/:id", async (c) => {
    const { accountId } = c.get("auth");
    const key = await accountKeyOrThrow(coreDb(c.env.DB), accountId, c.req.param("id"));
    return c.json(keyView(key, Date.now(), await accountKeySpend(c.env, accountId, [key])));
  })
  .patch("/:id", async (c) => {
    const body = await readJson(c.req.raw, updateKeyBody);
    const { accountId } = c.get("auth");
    // Evicted even when the change fails after its D1 write (a cache purge).
    const updated = await updateAccountKey(deps(c), accountId, c.req.param("id"), body, callerGrant(c), actorOf(c)).finally(() => evictAccount(accountId));
    return c.json(keyView(updated, Date.now(), await accountKeySpend(c.env, accountId, [updated])));
  })
  // Revoking a revoked key is a success that changes nothing (DELETE is idempotent).
  .delete("/:id", async (c) => {
    const { accountId } = c.get("auth");
    const revoked = await revokeAccountKey(deps(c), accountId, c.req.param("id"), actorOf(c));
    evictAccount(accountId);
    return c.json(keyView(revoked, Date.now(), await accountKeySpend(c.env, accountId, [revoked])));
  })
  .post("/:id/rotate", async (c) => {
    const { grace_period_seconds: grace } = await readRotateBody(c);
    const { accountId } = c.get("auth");
    const rotated = await rotateAccountKey(deps(c), accountId, c.req.param("id"), grace, callerGrant(c), actorOf(c));
    evictAccount(accountId);
    // The new key continues the old key's budget spend: shown from the limiter, as for any key view.
    return c.json({ ...keyView(rotated.record, Date.now(), await accountKeySpend(c.env, accountId, [rotated.record])), key: rotated.key }, 201);
  });

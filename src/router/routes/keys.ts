/**
 * The customer key API (/v1/keys, `manage` scope): list, create, read, patch
 * (narrow only), revoke and rotate the account's keys. A key cannot grant
 * more than the key that creates or changes it (src/router/keys/requests.ts).
 * Rules and choices: docs/keys.md.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { coreDb } from "../../db/client";
import { createKey, findAccountKey, listKeys, revokeKey, rotateKey, updateKey } from "../../db/keys";
import type { ApiKey } from "../../db/schema";
import { pushAccessChange } from "../../limits/controls";
import { currentCatalogue } from "../../routing/catalogue-store";
import { errors } from "../../shared/errors";
import { evictAccount } from "../auth-cache";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { grantOf, type KeyGrant } from "../keys/bounds";
import { assertWithinCaller, keyPatch, newKeyGrant } from "../keys/requests";
import { createKeyBody, rotateKeyBody, updateKeyBody } from "../keys/schemas";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { keyView } from "../views";

export { createKeyBody, rotateKeyBody, updateKeyBody };

type Ctx = Context<AppEnv>;

const actorOf = (c: Ctx) => `key:${c.get("auth").keyId}`;

/**
 * The calling key as D1 holds it now, not as this isolate's auth cache
 * remembers it (up to 30 s old): a key narrowed or revoked a moment ago
 * must not hand out what it no longer has.
 */
async function callerGrant(c: Ctx): Promise<KeyGrant> {
  const { accountId, keyId } = c.get("auth");
  const caller = await findAccountKey(coreDb(c.env.DB), accountId, keyId);
  if (!caller || caller.status !== "active") throw errors.unauthorized("This API key has been revoked.", "revoked_api_key");
  return grantOf(caller);
}

/** A key of the caller's account; another account's key is as unknown as a made-up id. */
async function accountKey(c: Ctx): Promise<ApiKey> {
  const key = await findAccountKey(coreDb(c.env.DB), c.get("auth").accountId, c.req.param("id") ?? "");
  if (!key) throw errors.notFound("No such API key.", "key_not_found", "id");
  return key;
}

/** Allow-lists name models of the catalogue in force, as the operator API checks them. */
async function assertKnownModels(c: Ctx, models: readonly string[] | null | undefined): Promise<void> {
  if (!models) return;
  const catalogue = await currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p));
  const unknown = models.findIndex((id) => !catalogue.find(id));
  if (unknown >= 0) throw errors.invalidRequest(`Invalid value for 'models[${unknown}]': unknown model`, `models[${unknown}]`, "invalid_value");
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
  .get("/", async (c) => {
    const keys = await listKeys(coreDb(c.env.DB), c.get("auth").accountId);
    const now = Date.now();
    return c.json({ object: "list", data: keys.map((k) => keyView(k, now)) });
  })
  .post("/", async (c) => {
    const body = await readJson(c.req.raw, createKeyBody);
    await assertKnownModels(c, body.models);
    const grant = newKeyGrant(await callerGrant(c), body);
    const { key, record } = await createKey(
      coreDb(c.env.DB),
      c.get("auth").accountId,
      { name: body.name, scopes: [...grant.scopes], limits: grant.limits, models: grant.models && [...grant.models], dataRegion: grant.dataRegion, expiresAt: grant.expiresAt },
      actorOf(c),
    );
    return c.json({ ...keyView(record), key }, 201);
  })
  .get("/:id", async (c) => c.json(keyView(await accountKey(c))))
  .patch("/:id", async (c) => {
    const body = await readJson(c.req.raw, updateKeyBody);
    const key = await accountKey(c);
    if (key.status === "revoked") throw errors.conflict("This API key is revoked; it cannot be changed.", "key_revoked");
    await assertKnownModels(c, body.models);
    const { changes, fields } = keyPatch(await callerGrant(c), key, body);
    // An earlier expiry is a stop like a revocation's: the limiter hears of it first.
    if (changes.expiresAt != null) await pushAccessChange(c.env, key.accountId, { keyStops: [{ keyId: key.id, at: changes.expiresAt }] });
    const updated = await updateKey(coreDb(c.env.DB), key, changes, fields, actorOf(c));
    evictAccount(key.accountId);
    if (!updated) throw errors.notFound("No such API key.", "key_not_found", "id");
    return c.json(keyView(updated));
  })
  // Revoking a revoked key is a success that changes nothing (DELETE is idempotent).
  .delete("/:id", async (c) => {
    const key = await accountKey(c);
    if (key.status === "revoked") return c.json(keyView(key));
    const at = Date.now();
    // Before the D1 write: a failure in between leaves the key refused, never honoured.
    await pushAccessChange(c.env, key.accountId, { keyStops: [{ keyId: key.id, at }] });
    const db = coreDb(c.env.DB);
    const revoked = (await revokeKey(db, key, "customer", actorOf(c), at)) ?? (await findAccountKey(db, key.accountId, key.id));
    evictAccount(key.accountId);
    return c.json(keyView(revoked ?? key));
  })
  .post("/:id/rotate", async (c) => {
    const { grace_period_seconds: grace } = await readRotateBody(c);
    const old = await accountKey(c);
    if (old.status === "revoked") throw errors.conflict("This API key is revoked; it cannot be rotated.", "key_revoked");
    if (old.replacedBy !== null) throw errors.conflict(`This API key has already been rotated; its replacement is ${old.replacedBy}.`, "key_already_rotated");
    const now = Date.now();
    if (old.expiresAt !== null && old.expiresAt <= now) throw errors.conflict("This API key has expired; create a new key instead.", "key_expired");
    assertWithinCaller(await callerGrant(c), old);
    const stopsAt = Math.min(old.expiresAt ?? Infinity, now + grace * 1000);
    const rotated = await rotateKey(coreDb(c.env.DB), old, stopsAt, actorOf(c));
    if (!rotated) throw errors.conflict("This API key has already been rotated.", "key_already_rotated");
    // After the D1 write, unlike a revocation: the new key exists only in
    // this response, so a failure here must not lose it (a lost key with a
    // zero grace period could lock the account out). Without the push the
    // old key still stops at its new expires_at, on other isolates within
    // the auth cache's bound.
    await pushAccessChange(c.env, old.accountId, { keyStops: [{ keyId: old.id, at: stopsAt }] }).catch((err: unknown) => {
      console.error("key stop not pushed", c.get("requestId"), err instanceof Error ? err.message : String(err));
    });
    evictAccount(old.accountId);
    return c.json({ ...keyView(rotated.record), key: rotated.key }, 201);
  });

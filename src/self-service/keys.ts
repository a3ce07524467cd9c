/**
 * A customer's own keys: create, change, rotate and revoke, with the rules
 * of docs/keys.md (a key cannot grant more than its caller; a patch only
 * narrows; revocations reach the router's limiter before D1, a rotated-out
 * key's stop after). Shared by the router's /v1/keys (the caller is the calling key)
 * and the console (the caller is the account's owner: OWNER_GRANT).
 * Callers evict their own isolate's caches afterwards.
 */
import type { CoreDb } from "../db/client";
import { createKey, findAccountKey, revokeKey, rotateKey, updateKey } from "../db/keys";
import { KEY_SCOPES, type ApiKey } from "../db/schema";
import { withdrawCache } from "../cache/withdraw";
import type { LimiterEnv } from "../limits/client";
import { pushAccessChange } from "../limits/controls";
import type { Catalogue } from "../routing/catalogue";
import { newId } from "../shared/crypto";
import { errors } from "../shared/errors";
import type { KeyGrant } from "./key-bounds";
import { assertWithinCaller, keyPatch, newKeyGrant } from "./key-requests";
import type { CreateKeyBody, UpdateKeyBody } from "./key-schemas";

export interface KeyDeps {
  db: CoreDb;
  limiter: LimiterEnv;
  /** The catalogue in force, read only when an allow-list must be checked. */
  catalogue: () => Promise<Catalogue>;
}

/**
 * The authority a change is made with, asked for only once the request has
 * passed its cheaper checks (the router reads the calling key from D1).
 */
export type CallerGrant = () => Promise<KeyGrant>;

/**
 * The account owner's authority (a console session): every scope, the tier's
 * limits, every model, any region, no expiry. Bounded by nothing but the
 * account itself, as a key made through the operator API with no options.
 */
export const OWNER_GRANT: KeyGrant = {
  scopes: KEY_SCOPES,
  limits: { rpm: null, tpm: null, concurrency: null },
  models: null,
  dataRegion: null,
  expiresAt: null,
  budget: null,
};

/** A key of the account; another account's key is as unknown as a made-up id (404, never 403). */
export async function accountKeyOrThrow(db: CoreDb, accountId: string, keyId: string): Promise<ApiKey> {
  const key = await findAccountKey(db, accountId, keyId);
  if (!key) throw errors.notFound("No such API key.", "key_not_found", "id");
  return key;
}

/** Allow-lists name models of the catalogue in force, as the operator API checks them. */
async function assertKnownModels(deps: KeyDeps, models: readonly string[] | null | undefined): Promise<void> {
  if (!models) return;
  const catalogue = await deps.catalogue();
  const unknown = models.findIndex((id) => !catalogue.find(id));
  if (unknown >= 0) throw errors.invalidRequest(`Invalid value for 'models[${unknown}]': unknown model`, `models[${unknown}]`, "invalid_value");
}

/** Creates a key: the caller narrowed by what the body says. Returns the key in clear, once. */
export async function createAccountKey(deps: KeyDeps, accountId: string, body: CreateKeyBody, caller: CallerGrant, actor: string) {
  await assertKnownModels(deps, body.models);
  const grant = newKeyGrant(await caller(), body);
  return createKey(
    deps.db,
    accountId,
    { name: body.name, scopes: [...grant.scopes], limits: grant.limits, models: grant.models && [...grant.models], dataRegion: grant.dataRegion, expiresAt: grant.expiresAt, budget: grant.budget, cacheTtl: body.cache_ttl },
    actor,
  );
}

/** Renames or narrows a key (never widens it, never beyond the caller). */
export async function updateAccountKey(deps: KeyDeps, accountId: string, keyId: string, body: UpdateKeyBody, caller: CallerGrant, actor: string): Promise<ApiKey> {
  const key = await accountKeyOrThrow(deps.db, accountId, keyId);
  if (key.status === "revoked") throw errors.conflict("This API key is revoked; it cannot be changed.", "key_revoked");
  await assertKnownModels(deps, body.models);
  const { changes, fields } = keyPatch(await caller(), key, body);
  // An earlier expiry is a stop like a revocation's, and a budget is enforced
  // by the limiter: it hears of either first, so a failure in between leaves
  // the new value enforced for at most the auth cache's life, never lost.
  const keyStops = changes.expiresAt != null ? [{ keyId: key.id, at: changes.expiresAt }] : undefined;
  const keyBudgets = body.budget !== undefined ? [{ keyId: key.id, budget: body.budget }] : undefined;
  if (keyStops || keyBudgets) await pushAccessChange(deps.limiter, accountId, { ...(keyStops && { keyStops }), ...(keyBudgets && { keyBudgets }) });
  const updated = await updateKey(deps.db, key, changes, fields, actor);
  if (!updated) throw errors.notFound("No such API key.", "key_not_found", "id");
  // Clearing the default withdraws the key's opt-in: every cached answer of
  // the account goes (entries are per account, not per key). After the D1
  // write, so what a request stored under the old default meanwhile goes too.
  // A repeated PATCH would not purge again, so a failure says how to finish.
  if (body.cache_ttl === null && key.cacheTtl !== null) {
    await withdrawCache(deps.db, deps.limiter, accountId, "The key's cache_ttl was cleared, but the account's cached answers could not be deleted yet; delete them with DELETE /v1/cache.");
  }
  return updated;
}

/**
 * Revokes a key (reason "customer"). Revoking a revoked key changes nothing
 * and answers the key as it is (idempotent). A narrower caller may revoke a
 * broader key: taking access away is never an escalation.
 */
export async function revokeAccountKey(deps: KeyDeps, accountId: string, keyId: string, actor: string): Promise<ApiKey> {
  const key = await accountKeyOrThrow(deps.db, accountId, keyId);
  if (key.status === "revoked") return key;
  const at = Date.now();
  // Before the D1 write: a failure in between leaves the key refused, never honoured.
  await pushAccessChange(deps.limiter, accountId, { keyStops: [{ keyId: key.id, at }] });
  const revoked = (await revokeKey(deps.db, key, "customer", actor, at)) ?? (await findAccountKey(deps.db, accountId, key.id));
  return revoked ?? key;
}

/**
 * Replaces a key by a copy; the old one keeps working for the grace period
 * (never past its own expiry). Returns the new key in clear, once, the old
 * key as it was read, and when it stops.
 */
export async function rotateAccountKey(deps: KeyDeps, accountId: string, keyId: string, graceSeconds: number, caller: CallerGrant, actor: string) {
  const old = await accountKeyOrThrow(deps.db, accountId, keyId);
  if (old.status === "revoked") throw errors.conflict("This API key is revoked; it cannot be rotated.", "key_revoked");
  if (old.replacedBy !== null) throw errors.conflict(`This API key has already been rotated; its replacement is ${old.replacedBy}.`, "key_already_rotated");
  const now = Date.now();
  if (old.expiresAt !== null && old.expiresAt <= now) throw errors.conflict("This API key has expired; create a new key instead.", "key_expired");
  assertWithinCaller(await caller(), old);
  const oldStopsAt = Math.min(old.expiresAt ?? Infinity, now + graceSeconds * 1000);
  // The new key continues the old key's budget spend: the limiter hears of it
  // before the key exists, so no request of the new key ever counts on a fresh
  // counter. A failure here writes nothing (retry); a push whose D1 write then
  // fails leaves an alias for a key id that never exists, which nothing uses.
  const newKeyId = newId("key");
  await pushAccessChange(deps.limiter, accountId, { rotations: [{ oldKeyId: old.id, newKeyId }] });
  const rotated = await rotateKey(deps.db, old, oldStopsAt, actor, newKeyId);
  if (!rotated) throw errors.conflict("This API key has already been rotated.", "key_already_rotated");
  // After the D1 write, unlike a revocation: the new key exists only in this
  // answer, so a failure here must not lose it (a lost key with a zero grace
  // period could lock the account out). Without the push the old key still
  // stops at its new expires_at, on other isolates within the auth cache's bound.
  await pushAccessChange(deps.limiter, accountId, { keyStops: [{ keyId: old.id, at: oldStopsAt }] }).catch((err: unknown) => {
    console.error("key stop not pushed", old.id, err instanceof Error ? err.message : String(err));
  });
  return { ...rotated, old, oldStopsAt };
}

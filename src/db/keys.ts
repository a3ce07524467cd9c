import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { KeyBudget } from "../billing/types";
import { displayPrefix, generateApiKey } from "../shared/api-key";
import { newId, sha256Hex } from "../shared/crypto";
import type { CoreDb } from "./client";
import { auditInsert } from "./accounts";
import { accounts, apiKeys, consents, type Account, type ApiKey, type KeyScope } from "./schema";

export interface NewKey {
  name?: string | undefined;
  expiresAt?: number | null | undefined;
  /** null or absent: the account's tier limit. */
  limits?: { rpm?: number | null | undefined; tpm?: number | null | undefined; concurrency?: number | null | undefined } | undefined;
  models?: string[] | null | undefined;
  scopes: KeyScope[];
  dataRegion?: "eu" | null | undefined;
  budget?: KeyBudget | null | undefined;
  /** Default response-cache TTL (seconds); null or absent: none. */
  cacheTtl?: number | null | undefined;
}

/** A new key in clear and the row that stores it (its hash, never the key). */
async function newKeyRow(accountId: string, input: NewKey, id = newId("key")) {
  const key = generateApiKey();
  const values = {
    id,
    accountId,
    name: input.name ?? "",
    keyHash: await sha256Hex(key),
    prefix: displayPrefix(key),
    scopes: input.scopes,
    expiresAt: input.expiresAt ?? null,
    rpmLimit: input.limits?.rpm ?? null,
    tpmLimit: input.limits?.tpm ?? null,
    concurrencyLimit: input.limits?.concurrency ?? null,
    allowedModels: input.models ?? null,
    dataRegion: input.dataRegion ?? null,
    budgetNanoUsd: input.budget?.limitNano ?? null,
    budgetPeriod: input.budget?.period ?? null,
    cacheTtl: input.cacheTtl ?? null,
    createdAt: Date.now(),
  } satisfies typeof apiKeys.$inferInsert;
  return { key, values };
}

/** Creates a key and returns it in clear alongside its record: the only time it exists in clear. */
export async function createKey(db: CoreDb, accountId: string, input: NewKey, actor: string): Promise<{ key: string; record: ApiKey }> {
  const { key, values } = await newKeyRow(accountId, input);
  const [inserted] = await db.batch([
    db.insert(apiKeys).values(values).returning(),
    auditInsert(db, { accountId, actor, action: "key.create", target: values.id }),
  ]);
  const record = inserted[0];
  if (!record) throw new Error("key insert returned no row");
  return { key, record };
}

export interface KeyWithAccount {
  key: ApiKey;
  account: Account;
  /** Whether the account's newest non-EU transfer consent is a grant. */
  nonEuConsent: boolean;
}

/**
 * Everything authentication needs, in one D1 round trip: the key, its account
 * and the account's consent in force.
 */
export async function findKeyByHash(db: CoreDb, keyHash: string): Promise<KeyWithAccount | null> {
  const consentSql = sql<number | null>`(
    select ${consents.granted} from ${consents}
    where ${consents.accountId} = ${apiKeys.accountId} and ${consents.kind} = 'non_eu_transfer'
    order by ${consents.recordedAt} desc limit 1)`;
  const rows = await db
    .select({ key: apiKeys, account: accounts, consent: consentSql })
    .from(apiKeys)
    .innerJoin(accounts, eq(accounts.id, apiKeys.accountId))
    .where(eq(apiKeys.keyHash, keyHash))
    .limit(1);
  const row = rows[0];
  if (!row) return null;
  return { key: row.key, account: row.account, nonEuConsent: Number(row.consent) === 1 };
}

export async function touchKey(db: CoreDb, keyId: string, at: number): Promise<void> {
  await db.update(apiKeys).set({ lastUsedAt: at }).where(eq(apiKeys.id, keyId));
}

/** The account's keys, newest first, revoked ones included. */
export async function listKeys(db: CoreDb, accountId: string): Promise<ApiKey[]> {
  return db.select().from(apiKeys).where(eq(apiKeys.accountId, accountId)).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
}

/** One key of the account: another account's key is as absent as an unknown one. */
export async function findAccountKey(db: CoreDb, accountId: string, keyId: string): Promise<ApiKey | undefined> {
  return db.query.apiKeys.findFirst({ where: and(eq(apiKeys.id, keyId), eq(apiKeys.accountId, accountId)) });
}

/** The columns a customer may change on a key. */
export type KeyChanges = Partial<Pick<ApiKey, "name" | "rpmLimit" | "tpmLimit" | "concurrencyLimit" | "allowedModels" | "dataRegion" | "expiresAt" | "budgetNanoUsd" | "budgetPeriod" | "cacheTtl">>;

/** Updates a key and audits the names (never the values) of the fields changed, in one transaction. */
export async function updateKey(db: CoreDb, key: ApiKey, changes: KeyChanges, fields: readonly string[], actor: string): Promise<ApiKey | undefined> {
  const [updated] = await db.batch([
    db.update(apiKeys).set(changes).where(eq(apiKeys.id, key.id)).returning(),
    auditInsert(db, { accountId: key.accountId, actor, action: "key.update", target: key.id, details: { fields } }),
  ]);
  return updated[0];
}

/**
 * Revokes an active key and audits why, in one transaction. Returns undefined
 * when the key was no longer active (revoked meanwhile by a concurrent call;
 * that call's audit entry and this one both stand).
 */
export async function revokeKey(db: CoreDb, key: ApiKey, reason: string, actor: string, at: number): Promise<ApiKey | undefined> {
  const [updated] = await db.batch([
    db
      .update(apiKeys)
      .set({ status: "revoked", revokedAt: at, revokedReason: reason })
      .where(and(eq(apiKeys.id, key.id), eq(apiKeys.status, "active")))
      .returning(),
    auditInsert(db, { accountId: key.accountId, actor, action: "key.revoke", target: key.id, details: { reason } }),
  ]);
  return updated[0];
}

/**
 * Replaces a key by a new one with the same name, scopes, limits, models,
 * region, expiry, budget and default cache TTL; the old key stops at `oldStopsAt`. One transaction:
 * the old key is marked only if it is still active and not yet replaced,
 * and the new row takes its account from the old row only once that row
 * names it as its replacement, so a concurrent rotation that got there
 * first leaves the subquery null, the NOT NULL constraint fails and D1
 * rolls the whole batch back (no second replacement, no orphan audit rows).
 * Returns null when that happened. The new key's id is the caller's
 * (newKeyId), so the limiter can be told of it before it exists.
 */
export async function rotateKey(
  db: CoreDb,
  old: ApiKey,
  oldStopsAt: number,
  actor: string,
  newKeyId: string,
): Promise<{ key: string; record: ApiKey } | null> {
  const { key, values } = await newKeyRow(old.accountId, {
    name: old.name,
    scopes: old.scopes,
    expiresAt: old.expiresAt,
    limits: { rpm: old.rpmLimit, tpm: old.tpmLimit, concurrency: old.concurrencyLimit },
    models: old.allowedModels,
    dataRegion: old.dataRegion,
    budget: old.budgetNanoUsd === null || old.budgetPeriod === null ? null : { limitNano: old.budgetNanoUsd, period: old.budgetPeriod },
    cacheTtl: old.cacheTtl,
  }, newKeyId);
  const guardedAccount = sql<string>`(select ${apiKeys.accountId} from ${apiKeys} where ${apiKeys.id} = ${old.id} and ${apiKeys.replacedBy} = ${values.id})`;
  try {
    const [, inserted] = await db.batch([
      db
        .update(apiKeys)
        .set({ replacedBy: values.id, expiresAt: oldStopsAt })
        .where(and(eq(apiKeys.id, old.id), eq(apiKeys.status, "active"), isNull(apiKeys.replacedBy))),
      db.insert(apiKeys).values({ ...values, accountId: guardedAccount }).returning(),
      auditInsert(db, { accountId: old.accountId, actor, action: "key.create", target: values.id, details: { rotated_from: old.id } }),
      auditInsert(db, { accountId: old.accountId, actor, action: "key.rotate", target: old.id, details: { replaced_by: values.id } }),
    ]);
    const record = inserted[0];
    if (!record) throw new Error("key insert returned no row");
    return { key, record };
  } catch (err) {
    // Lost the race (see above) or a real failure: tell them apart by the row.
    const now = await findAccountKey(db, old.accountId, old.id);
    if (now && (now.replacedBy !== null || now.status !== "active")) return null;
    throw err;
  }
}

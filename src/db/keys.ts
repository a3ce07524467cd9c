import { eq, sql } from "drizzle-orm";
import { displayPrefix, generateApiKey } from "../shared/api-key";
import { newId, sha256Hex } from "../shared/crypto";
import type { CoreDb } from "./client";
import { writeAudit } from "./accounts";
import { accounts, apiKeys, consents, type Account, type ApiKey, type KeyScope } from "./schema";

export interface NewKey {
  name?: string | undefined;
  expiresAt?: number | null | undefined;
  limits?: { rpm?: number | undefined; tpm?: number | undefined; concurrency?: number | undefined } | undefined;
  models?: string[] | null | undefined;
  scopes: KeyScope[];
  dataRegion?: "eu" | null | undefined;
}

/** Creates a key and returns it in clear alongside its record: the only time it exists in clear. */
export async function createKey(db: CoreDb, accountId: string, input: NewKey, actor: string): Promise<{ key: string; record: ApiKey }> {
  const key = generateApiKey();
  const [record] = await db
    .insert(apiKeys)
    .values({
      id: newId("key"),
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
      createdAt: Date.now(),
    })
    .returning();
  if (!record) throw new Error("key insert returned no row");
  await writeAudit(db, { accountId, actor, action: "key.create", target: record.id });
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

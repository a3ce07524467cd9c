import { and, desc, eq } from "drizzle-orm";
import { newId } from "../shared/crypto";
import type { CoreDb } from "./client";
import { accounts, auditLog, consents, type Account, type AccountStatus, type BillingAddress, type ConsentKind, type Tier } from "./schema";

export interface NewAccount {
  email: string;
  name: string;
  company?: string | undefined;
  tier: Tier;
  billingAddress?: BillingAddress | undefined;
}

/** Creates an account; returns null when the email is already taken. */
export async function createAccount(db: CoreDb, input: NewAccount, actor: string): Promise<Account | null> {
  const id = newId("acct");
  const inserted = await db
    .insert(accounts)
    .values({ id, email: input.email, name: input.name, company: input.company ?? null, tier: input.tier, billingAddress: input.billingAddress ?? null })
    .onConflictDoNothing({ target: accounts.email })
    .returning();
  const account = inserted[0];
  if (!account) return null;
  await writeAudit(db, { accountId: id, actor, action: "account.create", target: id, details: { tier: input.tier } });
  return account;
}

export async function findAccountByEmail(db: CoreDb, email: string): Promise<Account | undefined> {
  return db.query.accounts.findFirst({ where: eq(accounts.email, email) });
}

export async function updateAccount(
  db: CoreDb,
  id: string,
  patch: { tier?: Tier | undefined; status?: AccountStatus | undefined },
  actor: string,
): Promise<Account | undefined> {
  const changes: Partial<typeof accounts.$inferInsert> = { updatedAt: Date.now() };
  if (patch.tier) changes.tier = patch.tier;
  if (patch.status) changes.status = patch.status;
  const [account] = await db.update(accounts).set(changes).where(eq(accounts.id, id)).returning();
  if (account) {
    await writeAudit(db, { accountId: id, actor, action: "account.update", target: id, details: { fields: Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined) } });
  }
  return account;
}

/** Appends a consent decision; the newest row per kind is the one in force. */
export async function recordConsent(db: CoreDb, accountId: string, kind: ConsentKind, granted: boolean, source: string): Promise<void> {
  await db.batch([
    db.insert(consents).values({ id: newId("cons"), accountId, kind, granted, source, recordedAt: Date.now() }),
    db.insert(auditLog).values({ id: newId("audit"), accountId, actor: source, action: "consent.record", target: kind, details: { granted }, createdAt: Date.now() }),
  ]);
}

export async function currentConsent(db: CoreDb, accountId: string, kind: ConsentKind): Promise<{ granted: boolean; recordedAt: number } | null> {
  const row = await db.query.consents.findFirst({
    where: and(eq(consents.accountId, accountId), eq(consents.kind, kind)),
    orderBy: desc(consents.recordedAt),
  });
  return row ? { granted: row.granted, recordedAt: row.recordedAt } : null;
}

export async function writeAudit(
  db: CoreDb,
  entry: { accountId: string | null; actor: string; action: string; target?: string; details?: Record<string, unknown> },
): Promise<void> {
  await db.insert(auditLog).values({ id: newId("audit"), createdAt: Date.now(), target: null, details: null, ...entry });
}

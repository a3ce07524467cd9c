import { and, desc, eq, isNull, ne, sql } from "drizzle-orm";
import { newId } from "../shared/crypto";
import type { CoreDb } from "./client";
import { accounts, auditLog, consents, consoleSessions, type Account, type AccountStatus, type BillingAddress, type ConsentKind, type Tier } from "./schema";

export interface NewAccount {
  email: string;
  name: string;
  company?: string | undefined;
  tier: Tier;
  billingAddress?: BillingAddress | undefined;
}

/** The stored form of an email: trimmed and lower-cased, so `A@x` and `a@x` are one account. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

function accountRow(id: string, input: NewAccount) {
  return { id, email: normalizeEmail(input.email), name: input.name, company: input.company ?? null, tier: input.tier, billingAddress: input.billingAddress ?? null };
}

/**
 * A new account's insert and its `account.create` audit entry, unsent: for a
 * batch that must create the account together with what goes with it
 * (sign-up's agreements and consent), all or nothing. The batch fails on the
 * unique index when the email is taken, in any letter case.
 */
export function accountInserts(db: CoreDb, input: NewAccount, actor: string) {
  const id = newId("acct");
  return {
    id,
    inserts: [db.insert(accounts).values(accountRow(id, input)), auditInsert(db, { accountId: id, actor, action: "account.create", target: id, details: { tier: input.tier } })] as const,
  };
}

/** Creates an account; returns null when the email is already taken, in any letter case. */
export async function createAccount(db: CoreDb, input: NewAccount, actor: string): Promise<Account | null> {
  const id = newId("acct");
  const inserted = await db
    .insert(accounts)
    .values(accountRow(id, input))
    // The unique index is on lower(email), which no conflict target can name; the id is fresh.
    .onConflictDoNothing()
    .returning();
  const account = inserted[0];
  if (!account) return null;
  await writeAudit(db, { accountId: id, actor, action: "account.create", target: id, details: { tier: input.tier } });
  return account;
}

/** Finds an account by email in any letter case (uses the lower(email) index). */
export async function findAccountByEmail(db: CoreDb, email: string): Promise<Account | undefined> {
  return db.query.accounts.findFirst({ where: sql`lower(${accounts.email}) = ${normalizeEmail(email)}` });
}

export async function updateAccount(
  db: CoreDb,
  id: string,
  patch: { tier?: Tier | undefined; status?: AccountStatus | undefined },
  actor: string,
): Promise<Account | undefined> {
  const changes: Partial<typeof accounts.$inferInsert> = { updatedAt: Date.now() };
  // The operator's tier stands until the operator or a subscription event changes it: no lapse.
  if (patch.tier) Object.assign(changes, { tier: patch.tier, tierUntil: null });
  if (patch.status) changes.status = patch.status;
  const [account] = await db.update(accounts).set(changes).where(eq(accounts.id, id)).returning();
  if (account) {
    await writeAudit(db, { accountId: id, actor, action: "account.update", target: id, details: { fields: Object.keys(patch).filter((k) => patch[k as keyof typeof patch] !== undefined) } });
  }
  return account;
}

/** What the customer may correct (rectification); absent means unchanged, null clears. */
export interface AccountCorrection {
  name?: string | undefined;
  company?: string | null | undefined;
  billingAddress?: BillingAddress | null | undefined;
  /** A new email awaiting confirmation from that address (null: none pending). */
  pendingEmail?: string | null | undefined;
}

/**
 * Applies a correction and audits it in one transaction. The audit entry
 * names the fields changed, never their values (an audit log of names and
 * addresses would be one more copy of them to erase).
 */
export async function correctAccount(db: CoreDb, id: string, correction: AccountCorrection, actor: string): Promise<Account | undefined> {
  const changes = {
    updatedAt: Date.now(),
    name: correction.name,
    company: correction.company,
    billingAddress: correction.billingAddress,
    pendingEmail: correction.pendingEmail,
  } satisfies Partial<typeof accounts.$inferInsert>;
  // drizzle leaves undefined columns out of the update; the audit names the API's fields.
  const fields = Object.entries({ name: changes.name, company: changes.company, billing_address: changes.billingAddress, pending_email: changes.pendingEmail })
    .filter(([, value]) => value !== undefined)
    .map(([field]) => field);
  const [[account]] = await db.batch([
    db.update(accounts).set(changes).where(eq(accounts.id, id)).returning(),
    auditInsert(db, { accountId: id, actor, action: "account.update", target: id, details: { fields } }),
  ]);
  return account;
}

export type EmailConfirmation = { outcome: "confirmed"; account: Account } | { outcome: "not_pending" | "taken" };

/**
 * Makes `email` (lower-cased) the account's address, if it is still the
 * account's pending one and no other account holds it: two accounts may
 * have had the same address pending, and the first to confirm gets it. The
 * check and the change are one statement, so a race cannot slip past the
 * check into the unique index. Audits `account.update` {fields: ["email"]}
 * in the same batch, written only if the update changed the row (SQLite's
 * changes() of the statement before).
 *
 * The switch also ends every console session of the account but `keepSession`
 * (the confirming browser's, when it is this account's), in the same batch
 * and only if the audit row was written: an account that asked for someone
 * else's address must not keep sessions into the sign-ins that address now
 * leads to.
 */
export async function confirmPendingEmail(db: CoreDb, id: string, email: string, actor: string, now: number, keepSession?: string): Promise<EmailConfirmation> {
  const auditId = newId("audit");
  const sessions = keepSession ? and(eq(consoleSessions.accountId, id), ne(consoleSessions.idHash, keepSession)) : eq(consoleSessions.accountId, id);
  const [[account]] = await db.batch([
    db
      .update(accounts)
      .set({ email, pendingEmail: null, updatedAt: now })
      .where(
        and(
          eq(accounts.id, id),
          eq(accounts.pendingEmail, email),
          sql`not exists (select 1 from ${accounts} as other where lower(other.email) = ${email} and other.id <> ${id})`,
        ),
      )
      .returning(),
    // The audit table's columns in order: id, account, actor, action, target, details, created at.
    db.insert(auditLog).select(sql`select ${auditId}, ${id}, ${actor}, 'account.update', ${id}, ${JSON.stringify({ fields: ["email"] })}, ${now} where changes() = 1`),
    db.delete(consoleSessions).where(and(sessions, sql`exists (select 1 from ${auditLog} where ${auditLog.id} = ${auditId})`)),
  ]);
  if (account) return { outcome: "confirmed", account };
  const current = await db.query.accounts.findFirst({ where: eq(accounts.id, id) });
  return { outcome: current?.pendingEmail === email ? "taken" : "not_pending" };
}

/**
 * Closes an account at `at`, ends its console sessions and audits the
 * request; closing twice (two racing requests) keeps the first closure, the
 * date the 90-day erasure counts from. The cache salt goes at once: no key
 * works any more, and a cached answer stored by a request still in flight
 * can then never be opened (docs/cache.md).
 */
export async function closeAccount(db: CoreDb, id: string, at: number, actor: string): Promise<Account | undefined> {
  const [[closed]] = await db.batch([
    db.update(accounts).set({ closedAt: at, updatedAt: at, cacheSalt: null }).where(and(eq(accounts.id, id), isNull(accounts.closedAt))).returning(),
    db.delete(consoleSessions).where(eq(consoleSessions.accountId, id)),
    auditInsert(db, { accountId: id, actor, action: "account.close", target: id }),
  ]);
  return closed ?? db.query.accounts.findFirst({ where: eq(accounts.id, id) });
}

/**
 * Restricts processing (GDPR Art. 18) from `at`, or lifts the restriction,
 * and audits it. Restricting an account already restricted keeps the date
 * it began.
 */
export async function setRestriction(db: CoreDb, id: string, restricted: boolean, at: number, actor: string): Promise<Account | undefined> {
  const restrictedAt = restricted ? sql`coalesce(${accounts.restrictedAt}, ${at})` : null;
  const [[account]] = await db.batch([
    db.update(accounts).set({ restrictedAt, updatedAt: at }).where(eq(accounts.id, id)).returning(),
    auditInsert(db, { accountId: id, actor, action: "account.restrict", target: id, details: { restricted } }),
  ]);
  return account;
}

/** A consent decision's insert and its audit entry, unsent: for a batch with the writes they go with. */
export function consentInserts(db: CoreDb, accountId: string, kind: ConsentKind, granted: boolean, source: string) {
  return [
    db.insert(consents).values({ id: newId("cons"), accountId, kind, granted, source, recordedAt: Date.now() }),
    db.insert(auditLog).values({ id: newId("audit"), accountId, actor: source, action: "consent.record", target: kind, details: { granted }, createdAt: Date.now() }),
  ] as const;
}

/** Appends a consent decision; the newest row per kind is the one in force. */
export async function recordConsent(db: CoreDb, accountId: string, kind: ConsentKind, granted: boolean, source: string): Promise<void> {
  await db.batch(consentInserts(db, accountId, kind, granted, source));
}

/**
 * Newest first. Two decisions can share a millisecond (a grant and its
 * withdrawal in quick succession), so insertion order (rowid) breaks the tie:
 * the later decision is the one in force.
 */
const newestFirst = [desc(consents.recordedAt), desc(sql`rowid`)];

export async function currentConsent(db: CoreDb, accountId: string, kind: ConsentKind): Promise<{ granted: boolean; recordedAt: number } | null> {
  const row = await db.query.consents.findFirst({
    where: and(eq(consents.accountId, accountId), eq(consents.kind, kind)),
    orderBy: newestFirst,
  });
  return row ? { granted: row.granted, recordedAt: row.recordedAt } : null;
}

/** Every consent decision of the account, of every kind, newest first. */
export async function consentHistory(db: CoreDb, accountId: string): Promise<(typeof consents.$inferSelect)[]> {
  return db.select().from(consents).where(eq(consents.accountId, accountId)).orderBy(...newestFirst).all();
}

export interface AuditEntry {
  accountId: string | null;
  actor: string;
  action: string;
  target?: string;
  details?: Record<string, unknown>;
}

/** The audit row's insert, unsent: for a batch that must write it together with the change it records. */
export function auditInsert(db: CoreDb, entry: AuditEntry) {
  return db.insert(auditLog).values({ id: newId("audit"), createdAt: Date.now(), target: null, details: null, ...entry });
}

export async function writeAudit(db: CoreDb, entry: AuditEntry): Promise<void> {
  await auditInsert(db, entry);
}

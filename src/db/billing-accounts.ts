/**
 * The account's link to Stripe (`billing_accounts`) and the webhook events
 * already applied (`stripe_events`).
 */
import { and, eq, exists, isNull, sql, type SQL } from "drizzle-orm";
import type { SQLiteColumn } from "drizzle-orm/sqlite-core";
import type { CoreDb } from "./client";
import { accounts, billingAccounts, stripeEvents } from "./schema";

export type BillingAccount = typeof billingAccounts.$inferSelect;
type SubscriptionFields = Partial<Pick<BillingAccount, "subscriptionId" | "subscriptionState" | "currentPeriodEnd" | "cancelAtPeriodEnd" | "paymentFailedAt" | "subscriptionEventAt">>;

export async function findBillingAccount(db: CoreDb, accountId: string): Promise<BillingAccount | undefined> {
  return db.query.billingAccounts.findFirst({ where: eq(billingAccounts.accountId, accountId) });
}

export async function findBillingAccountByCustomer(db: CoreDb, customerId: string): Promise<BillingAccount | undefined> {
  return db.query.billingAccounts.findFirst({ where: eq(billingAccounts.stripeCustomerId, customerId) });
}

/**
 * Stores the account's Stripe customer unless it already has one, and
 * returns the one stored: of two checkouts racing to create it, the first
 * write wins and both use that customer.
 */
export async function linkCustomer(db: CoreDb, accountId: string, customerId: string): Promise<string> {
  const now = Date.now();
  await db
    .insert(billingAccounts)
    .values({ accountId, stripeCustomerId: customerId, createdAt: now, updatedAt: now })
    .onConflictDoUpdate({ target: billingAccounts.accountId, set: { stripeCustomerId: customerId, updatedAt: now }, setWhere: isNull(billingAccounts.stripeCustomerId) });
  const row = await findBillingAccount(db, accountId);
  return row?.stripeCustomerId ?? customerId;
}

/** The account's tier and its lapse, as D1 holds them after a subscription write. */
export type HeldTier = Pick<typeof accounts.$inferSelect, "tier" | "tierUntil">;

/** A column equal to a value, null included (SQL's `=` is never true for null). */
const same = (column: SQLiteColumn, value: unknown): SQL => (value === null ? isNull(column) : eq(column, value));

/**
 * Writes a subscription update computed from `read` (and the account's tier
 * and lapse, unless null) only while the row still holds every field the
 * update was computed from: a compare-and-set, so of two events applied at
 * once the one that read a row since changed writes nothing, and its caller
 * re-reads and applies it again (src/billing/webhook-handlers.ts). One
 * batch (one transaction): the account is updated first, under the same
 * condition, while the row is still as read. Resolves with whether it wrote
 * and the account's tier as D1 holds it after the batch.
 */
export async function saveSubscription(db: CoreDb, read: BillingAccount, fields: SubscriptionFields, tier: HeldTier | null): Promise<{ saved: boolean; held: HeldTier | undefined }> {
  const now = Date.now();
  const unchanged = and(
    eq(billingAccounts.accountId, read.accountId),
    same(billingAccounts.subscriptionId, read.subscriptionId),
    same(billingAccounts.subscriptionState, read.subscriptionState),
    eq(billingAccounts.cancelAtPeriodEnd, read.cancelAtPeriodEnd),
    same(billingAccounts.currentPeriodEnd, read.currentPeriodEnd),
    same(billingAccounts.paymentFailedAt, read.paymentFailedAt),
    same(billingAccounts.subscriptionEventAt, read.subscriptionEventAt),
  );
  const link = db.update(billingAccounts).set({ ...fields, updatedAt: now }).where(unchanged).returning({ accountId: billingAccounts.accountId });
  const held = db.select({ tier: accounts.tier, tierUntil: accounts.tierUntil }).from(accounts).where(eq(accounts.id, read.accountId));
  if (!tier) {
    const [linked, after] = await db.batch([link, held]);
    return { saved: linked.length > 0, held: after[0] };
  }
  // Enterprise is the operator's: Stripe events never move it (in the where clause, so a concurrent operator change wins too).
  const account = db
    .update(accounts)
    .set({ tier: tier.tier, tierUntil: tier.tierUntil, updatedAt: now })
    .where(and(eq(accounts.id, read.accountId), sql`${accounts.tier} <> 'enterprise'`, exists(db.select({ one: sql`1` }).from(billingAccounts).where(unchanged))));
  const [, linked, after] = await db.batch([account, link, held]);
  return { saved: linked.length > 0, held: after[0] };
}

export async function isEventProcessed(db: CoreDb, eventId: string): Promise<boolean> {
  return (await db.query.stripeEvents.findFirst({ where: eq(stripeEvents.id, eventId), columns: { id: true } })) !== undefined;
}

export async function markEventProcessed(db: CoreDb, event: { id: string; type: string; createdMs: number }): Promise<void> {
  await db.insert(stripeEvents).values({ id: event.id, type: event.type, createdAt: event.createdMs, processedAt: Date.now() }).onConflictDoNothing();
}

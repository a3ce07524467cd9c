/**
 * The account's link to Stripe (`billing_accounts`) and the webhook events
 * already applied (`stripe_events`).
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { CoreDb } from "./client";
import { accounts, billingAccounts, stripeEvents, type Tier } from "./schema";

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

/** Sets the subscription fields given (and the account's tier and lapse) in one batch. */
export async function saveSubscription(db: CoreDb, accountId: string, fields: SubscriptionFields, tier: { tier: Tier; tierUntil: number | null } | null): Promise<void> {
  const now = Date.now();
  const link = db.update(billingAccounts).set({ ...fields, updatedAt: now }).where(eq(billingAccounts.accountId, accountId));
  if (!tier) {
    await link;
    return;
  }
  // Enterprise is the operator's: Stripe events never move it (the where clause, so a concurrent operator change wins too).
  await db.batch([link, db.update(accounts).set({ tier: tier.tier, tierUntil: tier.tierUntil, updatedAt: now }).where(and(eq(accounts.id, accountId), sql`${accounts.tier} <> 'enterprise'`))]);
}

export async function isEventProcessed(db: CoreDb, eventId: string): Promise<boolean> {
  return (await db.query.stripeEvents.findFirst({ where: eq(stripeEvents.id, eventId), columns: { id: true } })) !== undefined;
}

export async function markEventProcessed(db: CoreDb, event: { id: string; type: string; createdMs: number }): Promise<void> {
  await db.insert(stripeEvents).values({ id: event.id, type: event.type, createdAt: event.createdMs, processedAt: Date.now() }).onConflictDoNothing();
}

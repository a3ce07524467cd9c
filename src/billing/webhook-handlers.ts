/**
 * What each Stripe event does (src/billing/webhook.ts verifies and records
 * them). Money goes through the account's limiter object (`credit`), whose
 * entry ids make every money entry idempotent whatever the event log says;
 * subscription state goes through nextSubscription (subscription-state.ts).
 */
import type { z } from "zod";
import { findBillingAccount, findBillingAccountByCustomer, saveSubscription, type BillingAccount } from "../db/billing-accounts";
import { coreDb } from "../db/client";
import { limiterFor } from "../limits/client";
import type { LedgerEntryInput } from "./types";
import { centsToNano } from "./money";
import { chargeSchema, checkoutSessionSchema, invoiceSchema, subscriptionSchema } from "./events";
import { stripeClient } from "./stripe";
import { nextSubscription, stateOf, type SubscriptionSnapshot } from "./subscription-state";
import { changeTier, tierInForce } from "./tier";

export type WebhookEnv = Env;

const DAY_MS = 86_400_000;

/** The event's object, validated: a known event type with an unexpected shape is the API version's mismatch, a 400. */
export function parseObject<S extends z.ZodType>(schema: S, object: unknown): z.infer<S> {
  const parsed = schema.safeParse(object);
  if (!parsed.success) throw new WebhookPayloadError(parsed.error.issues.map((i) => i.path.join(".")).join(", "));
  return parsed.data;
}

export class WebhookPayloadError extends Error {
  override name = "WebhookPayloadError";
}

async function credit(env: WebhookEnv, accountId: string, entry: Omit<LedgerEntryInput, "accountId">): Promise<void> {
  await limiterFor(env, accountId).credit({ ...entry, accountId });
}

/** The account a Stripe customer belongs to; null for a customer not made by this router (acknowledged, ignored). */
async function billingOf(env: WebhookEnv, customerId: string | null): Promise<BillingAccount | null> {
  if (!customerId) return null;
  return (await findBillingAccountByCustomer(coreDb(env.DB), customerId)) ?? null;
}

/**
 * Bounds the re-reads after a lost compare-and-set: each loss means another
 * event was written meanwhile. Past it the delivery fails (500) and Stripe
 * retries it later.
 */
const MAX_APPLY_ATTEMPTS = 5;

/**
 * Applies a subscription snapshot: D1 and, when the tier in force changes,
 * the limiter (tier.ts). The write holds only if the row is still as read
 * (saveSubscription); otherwise the row is read again and the ordering
 * rules applied to it, so the newest event wins however deliveries interleave.
 */
async function applySnapshot(env: WebhookEnv, first: BillingAccount, snapshot: SubscriptionSnapshot): Promise<void> {
  const db = coreDb(env.DB);
  let row = first;
  for (let attempt = 1; ; attempt++) {
    if (await applyTo(env, row, snapshot)) return;
    if (attempt === MAX_APPLY_ATTEMPTS) throw new Error(`subscription state of ${first.accountId} kept changing; the delivery is left for Stripe to retry`);
    const fresh = await findBillingAccount(db, first.accountId);
    // Gone (the account was erased meanwhile): nothing left to apply to.
    if (!fresh) return;
    row = fresh;
  }
}

/** One attempt: true once applied (or nothing to do), false when the row changed since it was read. */
async function applyTo(env: WebhookEnv, row: BillingAccount, snapshot: SubscriptionSnapshot): Promise<boolean> {
  const update = nextSubscription(row, snapshot, Number(env.SUBSCRIPTION_GRACE_DAYS) * DAY_MS);
  if (!update) return true;
  const db = coreDb(env.DB);
  const account = await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, row.accountId) });
  if (!account) return true;
  // Enterprise is the operator's arrangement: Stripe keeps its records, the tier stays.
  if (account.tier === "enterprise") return (await saveSubscription(db, row, update.fields, null)).saved;
  const now = Date.now();
  const write = () => saveSubscription(db, row, update.fields, { tier: update.tier, tierUntil: update.tierUntil });
  const result = await changeTier(env, row.accountId, tierInForce(account, now), tierInForce(update, now), write, ({ held }) => (held ? tierInForce(held, Date.now()) : null));
  return result.saved;
}

/** checkout.session.completed / async_payment_succeeded: a paid top-up is credited; a paid (or free, e.g. trial) subscription starts. */
export async function onCheckoutCompleted(env: WebhookEnv, object: unknown, at: number): Promise<void> {
  const session = parseObject(checkoutSessionSchema, object);
  const accountId = session.metadata.account_id;
  const row = accountId ? await findBillingAccount(coreDb(env.DB), accountId) : undefined;
  // Only sessions this router made for this customer (a dashboard-made one has no account_id).
  if (!row || row.stripeCustomerId !== session.customer) return;
  if (session.mode === "payment" && session.metadata.purpose === "credits") {
    if (session.payment_status !== "paid" || session.amount_total === null) return;
    await credit(env, row.accountId, {
      entryId: `stripe:topup:${session.id}`,
      kind: "topup",
      amountNano: centsToNano(session.amount_total),
      paidMinor: session.amount_total,
      currency: session.currency,
      reference: session.id,
    });
  } else if (session.mode === "subscription" && session.subscription && (session.payment_status === "paid" || session.payment_status === "no_payment_required")) {
    // Unpaid: an asynchronous payment method; its checkout.session.async_payment_succeeded starts the subscription.
    // This router's sessions sell only STRIPE_PRO_PRICE_ID (checkout.ts).
    await applySnapshot(env, row, { subscriptionId: session.subscription, state: "active", cancelAtPeriodEnd: null, currentPeriodEnd: null, at, followedOnly: false });
  }
}

/**
 * customer.subscription.created / updated / deleted: the state the object
 * says, for a subscription of the pro price only. Another subscription of
 * the customer (made in the dashboard, another product) neither moves the
 * tier nor replaces the one the account follows: logged with ids, ignored.
 */
export async function onSubscriptionEvent(env: WebhookEnv, object: unknown, at: number): Promise<void> {
  const subscription = parseObject(subscriptionSchema, object);
  const state = stateOf(subscription.status);
  const row = await billingOf(env, subscription.customer);
  if (!row || !state) return;
  const prices = subscription.items.data.map((i) => i.price.id);
  if (!prices.includes(env.STRIPE_PRO_PRICE_ID)) {
    console.warn(`BILLING: subscription ${subscription.id} of customer ${subscription.customer} is not of the pro price (prices ${prices.join(", ") || "none"}): ignored, the tier does not move`);
    return;
  }
  const periodEnds = subscription.items.data.map((i) => i.current_period_end * 1000);
  await applySnapshot(env, row, {
    subscriptionId: subscription.id,
    state,
    cancelAtPeriodEnd: subscription.cancel_at_period_end,
    currentPeriodEnd: periodEnds.length > 0 ? Math.max(...periodEnds) : null,
    at,
    followedOnly: false,
  });
}

/**
 * invoice.paid: a subscription payment entry (amount 0, what was paid) for
 * any subscription of the customer, and the end of any grace period of the
 * subscription the account follows (an invoice does not say its price).
 */
export async function onInvoicePaid(env: WebhookEnv, object: unknown, at: number): Promise<void> {
  const invoice = parseObject(invoiceSchema, object);
  const subscriptionId = invoice.parent?.subscription_details?.subscription;
  const row = await billingOf(env, invoice.customer);
  if (!row || !subscriptionId) return;
  await credit(env, row.accountId, { entryId: `stripe:invoice:${invoice.id}`, kind: "subscription", amountNano: 0, paidMinor: invoice.amount_paid, currency: invoice.currency, reference: invoice.id });
  await applySnapshot(env, row, { subscriptionId, state: "active", cancelAtPeriodEnd: null, currentPeriodEnd: null, at, followedOnly: true });
}

/** invoice.payment_failed: the grace period of the subscription the account follows starts at the first failure (later ones keep its start). */
export async function onInvoiceFailed(env: WebhookEnv, object: unknown, at: number): Promise<void> {
  const invoice = parseObject(invoiceSchema, object);
  const subscriptionId = invoice.parent?.subscription_details?.subscription;
  const row = await billingOf(env, invoice.customer);
  if (!row || !subscriptionId) return;
  await applySnapshot(env, row, { subscriptionId, state: "past_due", cancelAtPeriodEnd: null, currentPeriodEnd: null, at, followedOnly: true });
}

/**
 * charge.refunded: a refunded top-up takes its credit back. Each Stripe
 * refund of the charge is one `refund` entry, id `stripe:refund:<refund id>`,
 * of minus its own amount, so partial refunds add up exactly and a
 * redelivered or reordered event adds nothing (the charge's cumulative
 * `amount_refunded` is not used: two events racing would both take the same
 * difference). Refunds of a subscription payment take no credit.
 */
export async function onChargeRefunded(env: WebhookEnv, object: unknown): Promise<void> {
  const charge = parseObject(chargeSchema, object);
  const row = await billingOf(env, charge.customer);
  if (!row || !charge.payment_intent) return;
  const stripe = stripeClient(env);
  const sessions = await stripe.checkout.sessions.list({ payment_intent: charge.payment_intent, limit: 1 });
  const session = sessions.data[0];
  if (session?.metadata?.purpose !== "credits" || session.metadata.account_id !== row.accountId) return;
  for await (const refund of stripe.refunds.list({ charge: charge.id, limit: 100 })) {
    if (refund.status !== "succeeded") continue;
    await credit(env, row.accountId, { entryId: `stripe:refund:${refund.id}`, kind: "refund", amountNano: -centsToNano(refund.amount), paidMinor: -refund.amount, currency: refund.currency, reference: charge.id });
  }
}

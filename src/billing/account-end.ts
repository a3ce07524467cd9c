/**
 * What the end of an account does at Stripe (docs/billing.md, "Closing,
 * terminating and erasing an account"):
 * - closure and the operator's termination cancel its live subscription at
 *   once, without proration or refund, after the response; the Stripe
 *   customer stays, so a refund of credit left can still be made until the
 *   erasure;
 * - erasure deletes its Stripe customer (which cancels any subscription
 *   too) before the Stripe link goes, and never waits on Stripe to erase.
 * Neither writes `billing_accounts`: the webhook Stripe sends
 * (customer.subscription.deleted) moves the subscription and the tier as
 * for any account, so a cancellation that failed leaves the row showing the
 * subscription live, where the operator finds it.
 */
import Stripe from "stripe";
import { findBillingAccount } from "../db/billing-accounts";
import { coreDb } from "../db/client";
import { stripeClient, type StripeEnv } from "./stripe";

export type AccountEndEnv = StripeEnv & Pick<Env, "DB">;

/** Attempts at a cancellation, and the waits between them: within waitUntil's 30 s after the response. */
const CANCEL_BACKOFF_MS = [1_000, 3_000] as const;
/** Each attempt's own bound (the client's retry is off: this loop retries). */
const CANCEL_REQUEST = { maxNetworkRetries: 0, timeout: 8_000 } as const;

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Stripe no longer has the object (already cancelled or deleted): nothing left to do. */
const gone = (err: unknown) => err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404;

/** A failure another attempt may get past: Stripe unreachable, overloaded or failing. */
const transient = (err: unknown) =>
  err instanceof Stripe.errors.StripeConnectionError || (err instanceof Stripe.errors.StripeError && (err.statusCode === undefined || err.statusCode === 429 || err.statusCode >= 500));

/** What a log line says of a failure: its kind, never a message that could carry request data. */
const failure = (err: unknown) => (err instanceof Stripe.errors.StripeError ? `${err.type}${err.code ? ` ${err.code}` : ""}` : err instanceof Error ? err.name : "unknown");

/**
 * Cancels the account's active or past-due subscription at once
 * (DELETE /v1/subscriptions/{id}, `prorate: false`, `invoice_now: false`:
 * no credit for the unused part of the period, no final invoice). Run after
 * the response (waitUntil). Transient failures are retried (3 attempts in
 * all); a failure past them is logged with the ids, for the operator to
 * cancel in the dashboard. Never throws.
 */
export async function cancelSubscriptionAtEnd(env: AccountEndEnv, accountId: string, why: "closure" | "termination", sleep = sleepMs): Promise<void> {
  let subscription: { id: string; state: string } | null = null;
  try {
    const billing = await findBillingAccount(coreDb(env.DB), accountId);
    if (!billing?.subscriptionId || (billing.subscriptionState !== "active" && billing.subscriptionState !== "past_due")) return;
    subscription = { id: billing.subscriptionId, state: billing.subscriptionState };
    for (let attempt = 0; ; attempt++) {
      try {
        await stripeClient(env).subscriptions.cancel(subscription.id, { prorate: false, invoice_now: false }, CANCEL_REQUEST);
        return;
      } catch (err) {
        if (gone(err)) return;
        const wait = CANCEL_BACKOFF_MS[attempt];
        if (wait === undefined || !transient(err)) throw err;
        await sleep(wait);
      }
    }
  } catch (err) {
    const what = subscription ? `subscription ${subscription.id} (billing_accounts still shows it ${subscription.state}; cancel it in the Stripe dashboard)` : "its subscription could not be read";
    console.error(`BILLING: subscription not cancelled at ${why}: account ${accountId} ${what}: ${failure(err)}`);
  }
}

/**
 * Deletes the account's Stripe customer (DELETE /v1/customers/{id}), which
 * also cancels its subscriptions at once; called by every erasure before
 * the `billing_accounts` row goes. A failure does not stop the erasure
 * (a processor must not block it): it is logged with the customer id only
 * (the account is being erased), for the operator to delete it by hand.
 * Never throws for Stripe; a failure to read the row throws (the erasure
 * fails then anyway, and is repeated).
 */
export async function deleteStripeCustomer(env: AccountEndEnv, accountId: string): Promise<void> {
  const billing = await findBillingAccount(coreDb(env.DB), accountId);
  const customerId = billing?.stripeCustomerId;
  if (!customerId) return;
  try {
    await stripeClient(env).customers.del(customerId);
  } catch (err) {
    if (gone(err)) return;
    console.error(`BILLING: Stripe customer ${customerId} not deleted at an erasure (the erasure went on; delete the customer in the Stripe dashboard): ${failure(err)}`);
  }
}

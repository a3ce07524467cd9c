/**
 * Stripe Checkout and the Customer Portal for an account: credit top-ups
 * (payment mode, an amount within CREDITS_MIN_TOPUP..CREDITS_MAX_TOPUP of
 * CREDITS_CURRENCY) and the `pro` subscription (subscription mode,
 * STRIPE_PRO_PRICE_ID). What a completed checkout does is the webhook's
 * (src/billing/webhook.ts), keyed by the session's metadata `account_id` and
 * `purpose`. Every account gets one Stripe customer, made at its first
 * checkout and kept in `billing_accounts`.
 */
import type Stripe from "stripe";
import { findBillingAccount, linkCustomer } from "../db/billing-accounts";
import { coreDb, type CoreDb } from "../db/client";
import type { Account } from "../db/schema";
import { ApiError, errors } from "../shared/errors";
import { customerDetails } from "./customer-sync";
import { stripeClient, type StripeEnv } from "./stripe";

export type CheckoutInput = { purpose: "credits"; amountMinor: number } | { purpose: "subscription"; tier: "pro" };
export type CheckoutPurpose = CheckoutInput["purpose"];

export type CheckoutEnv = StripeEnv & Pick<Env, "DB" | "STRIPE_PRO_PRICE_ID" | "CREDITS_CURRENCY" | "CREDITS_MIN_TOPUP" | "CREDITS_MAX_TOPUP" | "BILLING_RETURN_URL">;

/** Top-up bounds in minor units (the vars are in the currency's major unit). */
export function topupBounds(env: Pick<Env, "CREDITS_MIN_TOPUP" | "CREDITS_MAX_TOPUP">): { min: number; max: number } {
  return { min: Math.round(Number(env.CREDITS_MIN_TOPUP) * 100), max: Math.round(Number(env.CREDITS_MAX_TOPUP) * 100) };
}

/** A Stripe failure the customer can do nothing about: 502, logged without the request's data. */
function stripeFailed(err: unknown, what: string): ApiError {
  if (err instanceof ApiError) return err;
  console.error(`stripe ${what} failed`, err instanceof Error ? `${err.name}: ${(err as { code?: string }).code ?? ""}` : "");
  return errors.upstream("The payment provider could not be reached; retry shortly.", "payment_provider_error");
}

async function ownAccount(db: CoreDb, accountId: string): Promise<Account> {
  const account = await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, accountId) });
  if (!account) throw errors.notFound("No such account.", "account_not_found");
  return account;
}

/**
 * The account's Stripe customer, created on first use. The idempotency key
 * makes two racing first checkouts get the same customer from Stripe.
 */
async function customerOf(env: CheckoutEnv, db: CoreDb, account: Account): Promise<string> {
  const known = await findBillingAccount(db, account.id);
  if (known?.stripeCustomerId) return known.stripeCustomerId;
  const customer = await stripeClient(env).customers.create(
    { ...customerDetails(account), metadata: { account_id: account.id } },
    { idempotencyKey: `customer-${account.id}` },
  );
  return linkCustomer(db, account.id, customer.id);
}

function returnUrls(env: CheckoutEnv): { success_url: string; cancel_url: string } {
  const base = env.BILLING_RETURN_URL;
  const sep = base.includes("?") ? "&" : "?";
  // Stripe fills in {CHECKOUT_SESSION_ID}.
  return { success_url: `${base}${sep}checkout=success&session_id={CHECKOUT_SESSION_ID}`, cancel_url: `${base}${sep}checkout=cancelled` };
}

function sessionParams(env: CheckoutEnv, accountId: string, customer: string, input: CheckoutInput): Stripe.Checkout.SessionCreateParams {
  const metadata = { account_id: accountId, purpose: input.purpose };
  const common = { customer, client_reference_id: accountId, metadata, ...returnUrls(env) };
  if (input.purpose === "credits") {
    const currency = env.CREDITS_CURRENCY.toLowerCase();
    return {
      ...common,
      mode: "payment",
      line_items: [{ quantity: 1, price_data: { currency, unit_amount: input.amountMinor, product_data: { name: "Emby Router credits" } } }],
      payment_intent_data: { metadata },
    };
  }
  if (!env.STRIPE_PRO_PRICE_ID) throw new ApiError(503, "api_error", "billing_not_configured", "Subscriptions are not available right now.");
  return { ...common, mode: "subscription", line_items: [{ price: env.STRIPE_PRO_PRICE_ID, quantity: 1 }], subscription_data: { metadata: { account_id: accountId, tier: input.tier } } };
}

/**
 * Starts a Checkout for the account: 400 for a top-up outside the bounds,
 * 409 for a second subscription while one is active (or past due) or for an
 * enterprise account, 502 when Stripe fails.
 */
export async function startCheckout(env: CheckoutEnv, accountId: string, input: CheckoutInput): Promise<{ id: string; url: string }> {
  const db = coreDb(env.DB);
  const account = await ownAccount(db, accountId);
  if (input.purpose === "credits") {
    const { min, max } = topupBounds(env);
    if (!Number.isInteger(input.amountMinor) || input.amountMinor < min || input.amountMinor > max) {
      const unit = env.CREDITS_CURRENCY.toUpperCase();
      throw errors.invalidRequest(`A top-up is from ${min / 100} to ${max / 100} ${unit}, in cents at most.`, "amount_usd", "invalid_amount");
    }
  } else {
    if (account.tier === "enterprise") throw errors.conflict("This account is on the enterprise tier, which is arranged with us, not subscribed to.", "enterprise_account");
    const billing = await findBillingAccount(db, accountId);
    if (billing?.subscriptionState === "active" || billing?.subscriptionState === "past_due") {
      throw errors.conflict("This account already has a pro subscription; manage it in the billing portal (POST /v1/billing/portal).", "subscription_active");
    }
  }
  try {
    const customer = await customerOf(env, db, account);
    const session = await stripeClient(env).checkout.sessions.create(sessionParams(env, accountId, customer, input));
    if (!session.url) throw new Error("checkout session without a url");
    return { id: session.id, url: session.url };
  } catch (err) {
    throw stripeFailed(err, "checkout");
  }
}

/** A Customer Portal link (payment methods, invoices, cancellation); 404 before the account's first checkout. */
export async function portalSession(env: CheckoutEnv, accountId: string): Promise<{ url: string }> {
  const billing = await findBillingAccount(coreDb(env.DB), accountId);
  if (!billing?.stripeCustomerId) throw errors.notFound("This account has no billing history yet: the portal opens after a first top-up or subscription.", "no_billing_customer");
  try {
    const session = await stripeClient(env).billingPortal.sessions.create({ customer: billing.stripeCustomerId, return_url: env.BILLING_RETURN_URL });
    return { url: session.url };
  } catch (err) {
    throw stripeFailed(err, "portal");
  }
}

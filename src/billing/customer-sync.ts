/**
 * The Stripe customer follows the account's billing details: its email
 * address, its name (the company when there is one, else the person's name:
 * invoices are addressed to it) and billing address. A change made through
 * self-service (src/self-service/profile.ts: `PATCH /v1/account` and the
 * console; a new email once confirmed, src/console/auth/email-change.ts) is
 * sent after the response, never blocking the change; a failure is logged
 * and the next change sends the details again.
 */
import type Stripe from "stripe";
import { findBillingAccount } from "../db/billing-accounts";
import { coreDb } from "../db/client";
import type { Account } from "../db/schema";
import { stripeClient, type StripeEnv } from "./stripe";

/** The customer fields the account decides. An empty string clears a field in Stripe. */
export function customerDetails(account: Pick<Account, "email" | "name" | "company" | "billingAddress">): { email: string; name: string; address: Stripe.Emptyable<Stripe.AddressParam> } {
  const a = account.billingAddress;
  return {
    email: account.email,
    name: account.company || account.name,
    address: a ? { line1: a.line1 ?? "", line2: a.line2 ?? "", city: a.city ?? "", postal_code: a.postal_code ?? "", ...(a.country ? { country: a.country } : {}) } : "",
  };
}

export type CustomerSyncEnv = StripeEnv & Pick<Env, "DB">;

/** Sends the account's billing details to its Stripe customer, when it has one. Never throws. */
export async function syncStripeCustomer(env: CustomerSyncEnv, account: Account): Promise<void> {
  try {
    const billing = await findBillingAccount(coreDb(env.DB), account.id);
    if (!billing?.stripeCustomerId) return;
    await stripeClient(env).customers.update(billing.stripeCustomerId, customerDetails(account));
  } catch (err) {
    console.error("stripe customer sync failed; the next change sends the details again", err instanceof Error ? err.name : "");
  }
}

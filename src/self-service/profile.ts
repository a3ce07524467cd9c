/**
 * Rectification (GDPR Art. 16), shared by `PATCH /v1/account` and the
 * console's "Your details": name, company, billing address, and a new email,
 * which does not replace the address in use but becomes `pending_email`
 * until it is confirmed from that address (the console mails the link).
 */
import { syncStripeCustomer, type CustomerSyncEnv } from "../billing/customer-sync";
import { correctAccount, normalizeEmail } from "../db/accounts";
import type { CoreDb } from "../db/client";
import type { Account, BillingAddress } from "../db/schema";
import { errors } from "../shared/errors";
import { ownAccount } from "./account";

/** What to correct; an absent field stays as it is, null clears `company` and `billingAddress`. */
export interface ProfileCorrection {
  name?: string | undefined;
  company?: string | null | undefined;
  billingAddress?: BillingAddress | null | undefined;
  email?: string | undefined;
}

export interface RectifyResult {
  account: Account;
  /** The address this correction asked to confirm, lower-cased; null when it asked for none. */
  requestedEmail: string | null;
}

/**
 * The pending email a requested address becomes: none when it is the
 * account's own (nothing to confirm, and an earlier request is dropped).
 * An address another account holds is accepted like any other: refusing it
 * would tell the asker the address is registered. It can never be
 * confirmed (confirmPendingEmail checks that no other account holds it),
 * and the console mails its holder a notice instead of a link.
 */
function pendingEmailFor(account: Account, email: string): string | null {
  const normalized = normalizeEmail(email);
  return normalized === account.email ? null : normalized;
}

/** Where a change of billing details is sent after the response: the account's Stripe customer. */
export interface BillingSync {
  env: CustomerSyncEnv;
  waitUntil(promise: Promise<unknown>): void;
}

/**
 * Corrects the account and audits `account.update` with the names of the
 * fields given, never their values. A new name, company or billing address
 * also goes to the account's Stripe customer, after the response
 * (src/billing/customer-sync.ts); a new email only once confirmed
 * (src/console/auth/email-change.ts), as until then the address in use stays.
 */
export async function rectifyProfile(db: CoreDb, accountId: string, correction: ProfileCorrection, actor: string, billing?: BillingSync): Promise<RectifyResult> {
  const pendingEmail = correction.email === undefined ? undefined : pendingEmailFor(await ownAccount(db, accountId), correction.email);
  const account = await correctAccount(
    db,
    accountId,
    { name: correction.name, company: correction.company, billingAddress: correction.billingAddress, pendingEmail },
    actor,
  );
  if (!account) throw errors.notFound("No such account.", "account_not_found");
  const billingDetailsChanged = correction.name !== undefined || correction.company !== undefined || correction.billingAddress !== undefined;
  if (billing && billingDetailsChanged) billing.waitUntil(syncStripeCustomer(billing.env, account));
  return { account, requestedEmail: pendingEmail ?? null };
}

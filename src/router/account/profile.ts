import type { Context } from "hono";
import { currentConsent } from "../../db/accounts";
import { coreDb, type CoreDb } from "../../db/client";
import type { Account } from "../../db/schema";
import { ownAccount } from "../../self-service/account";
import type { AppEnv } from "../env";
import { accountView, iso } from "../../self-service/views";

type Consent = { granted: boolean; recordedAt: number } | null;

/** The non-EU transfer consent in force (none recorded: not granted). */
export function consentState(consent: Consent) {
  return { non_eu_transfer: consent?.granted ?? false, recorded_at: iso(consent?.recordedAt ?? null) };
}

/**
 * Communication preferences: product updates only with the customer's opt-in
 * (a `product_updates` consent); service notices (security, billing, changes
 * to terms) are part of the contract and always sent, so they are stated,
 * not settable.
 */
export function communicationState(productUpdates: Consent) {
  return {
    product_updates: productUpdates?.granted ?? false,
    recorded_at: iso(productUpdates?.recordedAt ?? null),
    service_notices: true,
  };
}

/** The account as its owner sees it: the operator's view plus what only the owner sets. */
export async function accountProfile(db: CoreDb, account: Account) {
  const [nonEu, productUpdates] = await Promise.all([
    currentConsent(db, account.id, "non_eu_transfer"),
    currentConsent(db, account.id, "product_updates"),
  ]);
  return {
    ...accountView(account),
    pending_email: account.pendingEmail,
    restricted: account.restrictedAt !== null,
    restricted_at: iso(account.restrictedAt),
    consent: consentState(nonEu),
    communication: communicationState(productUpdates),
  };
}

export async function getProfile(c: Context<AppEnv>): Promise<Response> {
  const db = coreDb(c.env.DB);
  return c.json(await accountProfile(db, await ownAccount(db, c.get("auth").accountId)));
}

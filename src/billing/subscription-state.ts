/**
 * What a subscription event does to the account's link to Stripe and to its
 * tier: a pure function of the stored state and the event, so its rules are
 * in one place (docs/billing.md, "Stripe: tiers, top-ups and webhooks").
 *
 * - Which subscription: only the pro price's (the handlers drop other
 *   subscriptions' events); an invoice changes only the subscription the
 *   account follows.
 * - Order: Stripe does not deliver events in order. An event older than the
 *   newest applied one (`subscription_event_at`, by the event's `created`)
 *   changes nothing. Ties (Stripe's `created` is in whole seconds) are
 *   applied in arrival order, and a cancelled subscription is final: no
 *   event of the same subscription, tied or later, revives it (Stripe never
 *   does either), nor does a cancellation of another subscription end the
 *   current live one.
 * - Tier: active → pro (a cancellation at the period's end keeps pro until
 *   `current_period_end`, the tier's lapse, `tier_until`); past due → pro
 *   until SUBSCRIPTION_GRACE_DAYS after the first failed payment; cancelled
 *   → free. Authentication reads `tier_until` (src/billing/tier.ts).
 */
import type { BillingAccount } from "../db/billing-accounts";
import type { SubscriptionState, Tier } from "../db/schema";

export interface SubscriptionSnapshot {
  subscriptionId: string;
  state: SubscriptionState;
  /** Null: the event does not say (an invoice or a checkout); the stored value stands. */
  cancelAtPeriodEnd: boolean | null;
  /** End of the paid period (ms); null: the event does not say. */
  currentPeriodEnd: number | null;
  /** The event's `created` (ms). */
  at: number;
  /**
   * An invoice's: it does not name its subscription's price, so it applies
   * only to the subscription the account follows already (one this router's
   * checkout or a priced subscription event showed to be the pro price).
   */
  followedOnly: boolean;
}

export interface SubscriptionUpdate {
  fields: Pick<BillingAccount, "subscriptionId" | "subscriptionState" | "cancelAtPeriodEnd" | "currentPeriodEnd" | "paymentFailedAt" | "subscriptionEventAt">;
  tier: Tier;
  tierUntil: number | null;
}

const LIVE: readonly (SubscriptionState | null)[] = ["active", "past_due"];

/** The update an event makes, or null when it changes nothing (older, about a subscription already over, or an invoice of another subscription). */
export function nextSubscription(row: BillingAccount, event: SubscriptionSnapshot, graceMs: number): SubscriptionUpdate | null {
  if (row.subscriptionEventAt !== null && event.at < row.subscriptionEventAt) return null;
  const same = row.subscriptionId === event.subscriptionId;
  if (event.followedOnly && !same) return null;
  if (same && row.subscriptionState === "canceled") return null;
  if (!same && event.state === "canceled" && LIVE.includes(row.subscriptionState)) return null;
  const cancelAtPeriodEnd = event.cancelAtPeriodEnd ?? (same ? row.cancelAtPeriodEnd : false);
  const currentPeriodEnd = event.currentPeriodEnd ?? (same ? row.currentPeriodEnd : null);
  const paymentFailedAt = event.state === "past_due" ? ((same ? row.paymentFailedAt : null) ?? event.at) : null;
  const fields = { subscriptionId: event.subscriptionId, subscriptionState: event.state, cancelAtPeriodEnd, currentPeriodEnd, paymentFailedAt, subscriptionEventAt: Math.max(row.subscriptionEventAt ?? 0, event.at) };
  if (event.state === "canceled") return { fields, tier: "free", tierUntil: null };
  const periodLapse = cancelAtPeriodEnd ? currentPeriodEnd : null;
  const graceLapse = paymentFailedAt !== null ? paymentFailedAt + graceMs : null;
  const lapses = [periodLapse, graceLapse].filter((t): t is number => t !== null);
  return { fields, tier: "pro", tierUntil: lapses.length > 0 ? Math.min(...lapses) : null };
}

/** Stripe's subscription status as the state kept here; null: not a state that moves the tier (not paid yet, or paused). */
export function stateOf(status: string): SubscriptionState | null {
  if (status === "active" || status === "trialing") return "active";
  if (status === "past_due" || status === "unpaid") return "past_due";
  if (status === "canceled" || status === "incomplete_expired") return "canceled";
  return null;
}

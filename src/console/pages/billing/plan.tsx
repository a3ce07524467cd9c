/** @jsxImportSource hono/jsx */
/**
 * The account's plan as the billing page shows it: the tier, and the
 * subscription as the newest applied Stripe event left it
 * (billing_accounts), with when it renews or lapses (accounts.tier_until:
 * the end of a cancelled period or of a failed payment's grace).
 */
import type { CoreDb } from "../../../db/client";
import type { SubscriptionState, Tier } from "../../../db/schema";
import { When } from "../when";

export interface Plan {
  tier: Tier;
  tierUntil: number | null;
  subscription: SubscriptionState | null;
  periodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  /** Whether the account has a Stripe customer: the portal opens only then. */
  hasCustomer: boolean;
}

export async function planOf(db: CoreDb, accountId: string): Promise<Plan> {
  const [account, billing] = await Promise.all([
    db.query.accounts.findFirst({ columns: { tier: true, tierUntil: true }, where: (a, { eq }) => eq(a.id, accountId) }),
    db.query.billingAccounts.findFirst({ where: (b, { eq }) => eq(b.accountId, accountId) }),
  ]);
  return {
    tier: account?.tier ?? "free",
    tierUntil: account?.tierUntil ?? null,
    subscription: billing?.subscriptionState ?? null,
    periodEnd: billing?.currentPeriodEnd ?? null,
    cancelAtPeriodEnd: billing?.cancelAtPeriodEnd ?? false,
    hasCustomer: Boolean(billing?.stripeCustomerId),
  };
}

/** The tier in force now: a lapse already reached reads as free, as authentication reads it. */
export const tierNow = (plan: Plan, now: number): Tier => (plan.tierUntil !== null && plan.tierUntil <= now ? "free" : plan.tier);

/** May the customer start a pro subscription: not on enterprise, none active or past due. */
export const canSubscribe = (plan: Plan, now: number) => tierNow(plan, now) === "free" && plan.subscription !== "active" && plan.subscription !== "past_due";

const TIER_NAMES: Record<Tier, string> = { free: "Free", pro: "Pro", enterprise: "Enterprise" };

export function PlanText({ plan, now }: { plan: Plan; now: number }) {
  const tier = tierNow(plan, now);
  const lapse = plan.tierUntil !== null && plan.tierUntil > now ? plan.tierUntil : null;
  return (
    <dl class="plan">
      <dt>Tier</dt>
      <dd>{TIER_NAMES[tier]}</dd>
      <dt>Subscription</dt>
      <dd>
        {plan.subscription === "active" && plan.cancelAtPeriodEnd ? (
          <>Cancelled: Pro until <When ms={lapse ?? plan.periodEnd} />, then Free</>
        ) : plan.subscription === "active" ? (
          <>Active, renews <When ms={plan.periodEnd} /></>
        ) : plan.subscription === "past_due" ? (
          <>Payment failed: update your payment method; Pro until <When ms={lapse} />, then Free</>
        ) : plan.subscription === "canceled" ? (
          <>Ended{lapse !== null ? <>; Pro until <When ms={lapse} /></> : null}</>
        ) : tier === "enterprise" ? (
          <>Arranged with us</>
        ) : (
          <>None</>
        )}
      </dd>
    </dl>
  );
}

/**
 * A paid tier lapses at `accounts.tier_until` with nothing to announce it (no
 * webhook, no push to the limiter): the next request after that instant gets
 * free limits, even from an isolate whose auth cache still holds the account,
 * and even while the limiter still holds a `pro` it was told before the lapse.
 */
import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TIER_LIMITS } from "../src/limits/tiers";
import { clearAuthCache } from "../src/router/auth-cache";
import { chat, newCustomer, type Customer } from "./helpers/router";
import { limiterStub } from "./helpers/limiter";
import { limiterClock } from "./helpers/credits";
import { eventId, sendEvent, subscriptionObject } from "./helpers/stripe";

const mistral = "mistral/mistral-small-latest";
const FREE = String(TIER_LIMITS.free.rpm);
const PRO = String(TIER_LIMITS.pro.rpm);

const limitHeader = async (key: string) => {
  const res = await chat(key, { model: mistral, messages: [{ role: "user", content: "hi" }] });
  expect(res.status).toBe(200);
  return res.headers.get("x-ratelimit-limit-requests");
};

beforeEach(() => clearAuthCache());
afterEach(() => vi.useRealTimers());

describe("the tier lapses at tier_until", () => {
  it("with the account's record warm in the auth cache: free limits from that instant, no event needed", async () => {
    const t0 = Date.now();
    vi.setSystemTime(t0);
    const c = await newCustomer({ tier: "pro" });
    const until = t0 + 10_000;
    await env.DB.prepare("update accounts set tier_until = ? where id = ?").bind(until, c.accountId).run();
    expect(await limitHeader(c.key)).toBe(PRO); // reads D1 and caches the record, tier_until included
    // Behind the cache's back, D1 drops the lapse: a re-read would say pro, so only the cached record can say free.
    await env.DB.prepare("update accounts set tier_until = null where id = ?").bind(c.accountId).run();
    vi.setSystemTime(until - 1);
    expect(await limitHeader(c.key)).toBe(PRO);
    vi.setSystemTime(until);
    expect(await limitHeader(c.key)).toBe(FREE);
  });

  it("a subscription cancelled at the period's end keeps pro until current_period_end, then free without the deleted event", async () => {
    const c = await linked();
    const created = Math.floor(Date.now() / 1000);
    vi.setSystemTime(created * 1000);
    // The upgrade is pushed to the limiter (a `pro` it keeps for 40 s); the cancellation changes no tier in force, so it pushes nothing.
    await sendEvent({ id: eventId(), type: "customer.subscription.created", created, object: subscriptionObject({ id: "sub_p", customer: c.customer, status: "active" }) });
    const periodEnd = created + 20;
    const cancelled = await sendEvent({ id: eventId(), type: "customer.subscription.updated", created: created + 1, object: subscriptionObject({ id: "sub_p", customer: c.customer, status: "active", cancelAtPeriodEnd: true, periodEnd }) });
    expect(cancelled.status).toBe(200);
    expect(await env.DB.prepare("select tier, tier_until from accounts where id = ?").bind(c.accountId).first()).toEqual({ tier: "pro", tier_until: periodEnd * 1000 });
    // An isolate that reads the account now caches its record, tier_until included.
    clearAuthCache();
    expect(await limitHeader(c.key)).toBe(PRO);
    vi.setSystemTime(periodEnd * 1000 - 1);
    expect(await limitHeader(c.key)).toBe(PRO);
    // Still within the limiter's 40 s for the pushed `pro`, and still the cached view: the lapse wins.
    vi.setSystemTime(periodEnd * 1000);
    expect(await limitHeader(c.key)).toBe(FREE);
  });
});

describe("the limiter's pushed tier against the view's lapse", () => {
  const limits = TIER_LIMITS.pro;
  const admit = (c: Customer, view: { asOf: number; tier: "free" | "pro"; tierUntil: number | null }) =>
    limiterStub(c.accountId).admit({ leaseId: crypto.randomUUID(), keyId: c.keyId, accountId: c.accountId, account: TIER_LIMITS.free, key: TIER_LIMITS.free, tokens: 1, keyOwnLimits: { rpm: null, tpm: null, concurrency: null }, view: { ...view, status: "active" }, spend: { maxPriceNano: 0, keyBudget: null } });

  it("a pro told before the view's tier_until does not outlast it; one told after it (a new subscription) applies", async () => {
    const c = await newCustomer({ tier: "free" });
    const t0 = Date.now();
    const setClock = await limiterClock(c.accountId, t0);
    await limiterStub(c.accountId).recordAccess({ tier: "pro" });
    const until = t0 + 5_000;
    setClock(until + 1);
    // A view read before the push, whose pro lapsed at `until`: the lapse is the newer fact.
    expect(await admit(c, { asOf: t0 - 1, tier: "free", tierUntil: until })).toMatchObject({ admitted: true, requests: { limit: TIER_LIMITS.free.rpm } });
    // The same pushed pro, to a view without a lapse, still corrects it.
    expect(await admit(c, { asOf: t0 - 1, tier: "free", tierUntil: null })).toMatchObject({ admitted: true, overrides: { tier: "pro" }, requests: { limit: limits.rpm } });
    // A pro told after the lapse (a resubscription) is newer than it and applies.
    await limiterStub(c.accountId).recordAccess({ tier: "pro" });
    expect(await admit(c, { asOf: t0 - 1, tier: "free", tierUntil: until })).toMatchObject({ admitted: true, overrides: { tier: "pro" }, requests: { limit: limits.rpm } });
  });
});

/** A free customer linked to a Stripe customer, as a first checkout leaves it. */
async function linked(): Promise<Customer & { customer: string }> {
  const c = await newCustomer({ tier: "free" });
  const customer = `cus_test_${crypto.randomUUID().slice(0, 12)}`;
  await env.DB.prepare("insert into billing_accounts (account_id, stripe_customer_id) values (?, ?)").bind(c.accountId, customer).run();
  return { ...c, customer };
}

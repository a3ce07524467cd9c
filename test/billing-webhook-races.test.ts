/**
 * Webhook deliveries applied concurrently: the subscription write is a
 * compare-and-set on what the handler read, so the newest event wins
 * whatever the interleaving, and the limiter ends on the tier D1 holds.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { handleStripeWebhook } from "../src/billing/webhook";
import { TIER_LIMITS } from "../src/limits/tiers";
import { admin, chat, newCustomer, type Customer } from "./helpers/router";
import { eventId, eventPayload, sendEvent, stripeSignature, subscriptionObject, type TestEvent } from "./helpers/stripe";

const now = () => Math.floor(Date.now() / 1000);
const mistral = "mistral/mistral-small-latest";

async function subscribed(): Promise<Customer & { customer: string; t: number }> {
  const c = await newCustomer({ tier: "free" });
  const customer = `cus_test_${crypto.randomUUID().slice(0, 12)}`;
  await env.DB.prepare("insert into billing_accounts (account_id, stripe_customer_id) values (?, ?)").bind(c.accountId, customer).run();
  const t = now() - 100;
  await sendEvent({ id: eventId(), type: "customer.subscription.created", created: t, object: subscriptionObject({ id: "sub_r", customer, status: "active" }) });
  return { ...c, customer, t };
}

/** The deletion and an older past-due update of the same subscription (the reviewer's scenario). */
const racing = (c: { customer: string; t: number }): { deleted: TestEvent; olderPastDue: TestEvent } => ({
  deleted: { id: eventId(), type: "customer.subscription.deleted", created: c.t + 2, object: subscriptionObject({ id: "sub_r", customer: c.customer, status: "canceled" }) },
  olderPastDue: { id: eventId(), type: "customer.subscription.updated", created: c.t + 1, object: subscriptionObject({ id: "sub_r", customer: c.customer, status: "past_due" }) },
});

const stateOf = async (accountId: string) =>
  env.DB.prepare("select a.tier, a.tier_until, b.subscription_state from accounts a join billing_accounts b on b.account_id = a.id where a.id = ?").bind(accountId).first();

const limitHeader = async (key: string) => (await chat(key, { model: mistral, messages: [{ role: "user", content: "hi" }] })).headers.get("x-ratelimit-limit-requests");

/**
 * A D1 binding whose first two batches wait until both were sent and then
 * run one after the other, in arrival order or its reverse: both handlers
 * have read the row before either writes. Later batches pass through.
 */
function gatedBatches(d1: D1Database, order: "arrival" | "reverse"): D1Database {
  const waiting: { statements: D1PreparedStatement[]; resolve: (r: D1Result[]) => void; reject: (e: unknown) => void }[] = [];
  const release = async () => {
    for (const w of order === "arrival" ? waiting : [...waiting].reverse()) await d1.batch(w.statements).then(w.resolve, w.reject);
  };
  return new Proxy(d1, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop === "batch")
        return (statements: D1PreparedStatement[]) => {
          if (waiting.length >= 2) return target.batch(statements);
          return new Promise<D1Result[]>((resolve, reject) => {
            waiting.push({ statements, resolve, reject });
            if (waiting.length === 2) void release();
          });
        };
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A D1 binding that runs `meanwhile` once, after the first statement matching `sql` ran and before its caller sees the result. */
function afterFirstRead(d1: D1Database, sql: RegExp, meanwhile: () => Promise<void>): D1Database {
  let done = false;
  const run = async <T>(read: () => Promise<T>): Promise<T> => {
    const result = await read();
    if (!done) {
      done = true;
      await meanwhile();
    }
    return result;
  };
  const watch = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(st, p) {
        const v = Reflect.get(st, p) as unknown;
        if (typeof v !== "function") return v;
        const f = (...args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(st, args);
        if (p === "bind") return (...params: unknown[]) => watch(f(...params) as D1PreparedStatement);
        return p === "all" || p === "raw" || p === "first" || p === "run" ? (...args: unknown[]) => run(async () => f(...args)) : f;
      },
    });
  return new Proxy(d1, {
    get(target, prop) {
      const value = Reflect.get(target, prop) as unknown;
      if (prop === "prepare") return (text: string) => (done || !sql.test(text) ? target.prepare(text) : watch(target.prepare(text)));
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

async function handle(db: D1Database, event: TestEvent): Promise<{ duplicate: boolean }> {
  const payload = eventPayload(event);
  return handleStripeWebhook({ ...env, DB: db }, payload, await stripeSignature(payload));
}

describe("concurrent subscription events", () => {
  it("a deletion and an older past-due update posted at once leave the account cancelled and free, in either order", async () => {
    for (let round = 0; round < 3; round++) {
      for (const deletionFirst of [true, false]) {
        const c = await subscribed();
        const { deleted, olderPastDue } = racing(c);
        const responses = await Promise.all((deletionFirst ? [deleted, olderPastDue] : [olderPastDue, deleted]).map(sendEvent));
        expect(responses.map((r) => r.status)).toEqual([200, 200]);
        expect(await stateOf(c.accountId)).toEqual({ tier: "free", tier_until: null, subscription_state: "canceled" });
        expect(await limitHeader(c.key)).toBe(String(TIER_LIMITS.free.rpm));
      }
    }
  });

  it("whichever write lands first, both having read the same row, the newer event wins and the limiter holds free", async () => {
    for (const order of ["arrival", "reverse"] as const) {
      for (const deletionFirst of [true, false]) {
        const c = await subscribed();
        const { deleted, olderPastDue } = racing(c);
        const db = gatedBatches(env.DB, order);
        await Promise.all((deletionFirst ? [deleted, olderPastDue] : [olderPastDue, deleted]).map((e) => handle(db, e)));
        expect(await stateOf(c.accountId), `${order}, deletion first: ${deletionFirst}`).toEqual({ tier: "free", tier_until: null, subscription_state: "canceled" });
        expect(await limitHeader(c.key)).toBe(String(TIER_LIMITS.free.rpm));
      }
    }
  });

  it("a renewal that lands while an older, lapsed past-due update waits to write keeps pro in D1 and in the limiter", async () => {
    for (const order of ["arrival", "reverse"] as const) {
      const c = await subscribed();
      const lapsed: TestEvent = { id: eventId(), type: "customer.subscription.updated", created: c.t + 1, object: subscriptionObject({ id: "sub_r", customer: c.customer, status: "unpaid", periodEnd: now() - 10 }) };
      const renewed: TestEvent = { id: eventId(), type: "customer.subscription.updated", created: c.t + 2, object: subscriptionObject({ id: "sub_r", customer: c.customer, status: "active" }) };
      // The older one lapses at once (a grace period long over) and so lowers the tier before its write.
      await env.DB.prepare("update billing_accounts set payment_failed_at = ? where account_id = ?").bind((c.t - 30 * 86_400) * 1000, c.accountId).run();
      await env.DB.prepare("update billing_accounts set subscription_state = 'past_due' where account_id = ?").bind(c.accountId).run();
      const db = gatedBatches(env.DB, order);
      await Promise.all([lapsed, renewed].map((e) => handle(db, e)));
      expect(await stateOf(c.accountId), order).toEqual({ tier: "pro", tier_until: null, subscription_state: "active" });
      expect(await limitHeader(c.key), order).toBe(String(TIER_LIMITS.pro.rpm));
    }
  });
});

describe("an operator's upgrade racing a Stripe downgrade", () => {
  it("the limiter ends on enterprise when the operator's change lands between the webhook's read and its write", async () => {
    const c = await subscribed();
    const deleted: TestEvent = { id: eventId(), type: "customer.subscription.deleted", created: c.t + 1, object: subscriptionObject({ id: "sub_r", customer: c.customer, status: "canceled" }) };
    // The webhook has read the account (pro) when the operator's change lands and is pushed; then it goes on.
    let operatorDone = false;
    const db = afterFirstRead(env.DB, /^select .* from "accounts"/i, async () => {
      operatorDone = true;
      expect((await admin("PATCH", `/accounts/${c.accountId}`, { tier: "enterprise" })).status).toBe(200);
    });
    await handle(db, deleted);
    expect(operatorDone).toBe(true);
    expect(await stateOf(c.accountId)).toEqual({ tier: "enterprise", tier_until: null, subscription_state: "canceled" });
    expect(await limitHeader(c.key)).toBe(String(TIER_LIMITS.enterprise.rpm));
  });
});

/**
 * GET /v1/credits: the balance the account's limiter object holds, and the
 * transactions from the credit ledger and the object's pending entries,
 * newest first, page by page; one account never sees another's. No customer
 * response carries a provider cost: /v1/credits, /v1/generation, /v1/usage,
 * /v1/models and the export are scanned with a markup set.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { unzipSync } from "fflate";
import { afterEach, describe, expect, it } from "vitest";
import { creditLedger, usageLedger } from "../src/db/billing-schema";
import { billingDb } from "../src/db/client";
import { limiterFor } from "../src/limits/client";
import { writeEvents } from "../src/logger/consumer";
import type { CreditsView } from "../src/self-service/credits";
import { PROVIDER_COST_MARK, seedCredits } from "./helpers/export-seed";
import { callWithLog, chatInit, readBody } from "./helpers/log-capture";
import { admin, call, errorOf, newCustomer, type Customer } from "./helpers/router";

const get = (key: string, path: string) => call(path, { headers: { authorization: `Bearer ${key}` } });

async function credits(key: string, query = ""): Promise<CreditsView> {
  const res = await get(key, `/v1/credits${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get("cache-control")).toBe("no-store");
  return (await res.json()) as CreditsView;
}

async function adjust(c: Customer, amount_usd: number, extra: Record<string, string> = {}) {
  const res = await admin("POST", `/accounts/${c.accountId}/credits`, { amount_usd, ...extra });
  expect(res.status, await res.clone().text()).toBe(201);
}

const original = env.PRICE_MARKUP_PERCENT;
afterEach(() => {
  env.PRICE_MARKUP_PERCENT = original;
});

describe("GET /v1/credits", () => {
  it("shows the object's balance and the transactions newest first, pending ones included, never an operator note", async () => {
    const c = await newCustomer({ credits: 0 });
    await adjust(c, 25, { reference: "T-1" });
    await adjust(c, -5, { note: "internal: reversal of a duplicate grant", reference: "T-2" });
    const view = await credits(c.key);
    expect(view).toMatchObject({ object: "credits", currency: "usd", balance_usd: 20, reserved_usd: 0, available_usd: 20, low_balance_threshold_usd: null, has_more: false, next_before: null });
    expect(view.transactions.map((t) => [t.kind, t.amount_usd, t.reference])).toEqual([["adjustment", -5, "T-2"], ["adjustment", 25, "T-1"]]);
    expect(JSON.stringify(view)).not.toContain("internal: reversal");

    // Once the object has written its entries to the ledger they show once, no longer pending.
    await limiterFor(env, c.accountId).flushLedger();
    const flushed = await credits(c.key);
    expect(flushed.transactions.map((t) => [t.id, t.pending])).toEqual(view.transactions.map((t) => [t.id, false]));
  });

  it("pages through the ledger newest first with next_before, every transaction once", async () => {
    const c = await newCustomer({ credits: 0 });
    await seedCredits(c.accountId, 7);
    await adjust(c, 3);
    const all = (await credits(c.key, "?limit=100")).transactions;
    expect(all).toHaveLength(8);
    expect(all[0]!.pending).toBe(true);
    const times = all.map((t) => Date.parse(t.created_at));
    expect(times).toEqual([...times].sort((a, b) => b - a));

    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const page: CreditsView = await credits(c.key, `?limit=3${before ? `&before=${encodeURIComponent(before)}` : ""}`);
      seen.push(...page.transactions.map((t) => t.id));
      before = page.next_before;
      pages++;
      expect(page.has_more).toBe(before !== null);
    } while (before);
    expect(pages).toBe(3);
    expect(seen).toEqual(all.map((t) => t.id));
    // The seeded usage entries: requests shown, the flush reference not.
    expect(all.find((t) => t.kind === "usage")).toMatchObject({ requests: 3, reference: null, amount_usd: -0.01 });
  });

  it("another account's key sees only its own; another account's transaction id is a 404 like an unknown one", async () => {
    const a = await newCustomer({ credits: 0 });
    const b = await newCustomer({ credits: 0 });
    await seedCredits(a.accountId, 3);
    await adjust(b, 1);
    const own = await credits(b.key);
    expect(own.transactions).toHaveLength(1);
    expect(JSON.stringify(own)).not.toContain(a.accountId.slice(-8));
    const aEntry = (await billingDb(env.BILLING_DB).select().from(creditLedger).where(eq(creditLedger.accountId, a.accountId)))[0]!.entryId;
    for (const before of [aEntry, "no-such-entry"]) {
      const res = await get(b.key, `/v1/credits?before=${encodeURIComponent(before)}`);
      expect(res.status).toBe(404);
      expect(await errorOf(res)).toMatchObject({ param: "before", code: "credit_transaction_not_found" });
    }
  });

  it("is readable with an inference-only key and a manage-only key; refuses bad parameters", async () => {
    const inference = await newCustomer({ credits: 0, key: { scopes: ["inference"] }, consent: false });
    await credits(inference.key);
    const manage = await newCustomer({ credits: 0, key: { scopes: ["manage"] }, consent: false });
    await credits(manage.key);
    for (const query of ["?limit=0", "?limit=101", "?limit=x", "?after=1"]) expect((await get(manage.key, `/v1/credits${query}`)).status, query).toBe(400);
    expect((await call("/v1/credits")).status).toBe(401);
  });
});

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
  return [];
}

describe("provider cost in customer responses", () => {
  it("appears in none, with a 10 % markup: credits, generation, usage, models, export", async () => {
    env.PRICE_MARKUP_PERCENT = "10";
    const c = await newCustomer();
    const made = await callWithLog("/v1/chat/completions", chatInit(c.key, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "a prompt long enough to cost something ".repeat(20) }] }));
    await readBody(made.response);
    const [event] = await made.settled();
    await writeEvents(env, [event!], Date.now());
    await limiterFor(env, c.accountId).flushLedger();
    // The ledger holds both: the price the customer pays and, apart, what the provider charges.
    const [usage] = await billingDb(env.BILLING_DB).select().from(usageLedger).where(eq(usageLedger.accountId, c.accountId));
    expect(usage!.providerCostNanoUsd).toBeGreaterThan(0);
    expect(usage!.costNanoUsd).toBe(Math.round(usage!.providerCostNanoUsd * 1.1));
    await seedCredits(c.accountId, 3);

    const bodies: Record<string, string> = {};
    for (const path of ["/v1/credits?limit=100", `/v1/generation?id=${event!.request_id}`, "/v1/usage", "/v1/models", "/v1/account/export?format=json"]) {
      const res = await get(c.key, path);
      expect(res.status, path).toBe(200);
      bodies[path] = await res.text();
    }
    for (const [path, text] of Object.entries(bodies)) {
      expect(keysOf(JSON.parse(text)).filter((k) => k.includes("provider")).filter((k) => k !== "provider" && k !== "provider_name"), path).toEqual([]);
      expect(text, path).not.toContain(String(PROVIDER_COST_MARK));
    }
    // Where a cost shows, it is the price.
    const generation = JSON.parse(bodies[`/v1/generation?id=${event!.request_id}`]!) as { data: { total_cost: number } };
    expect(generation.data.total_cost).toBe(usage!.costNanoUsd / 1e9);
    const csv = unzipSync(new Uint8Array(await (await get(c.key, "/v1/account/export?format=csv")).arrayBuffer()));
    for (const [name, bytes] of Object.entries(csv)) {
      const text = new TextDecoder().decode(bytes);
      expect(text.split("\r\n")[0], name).not.toContain("provider_cost");
      expect(text, name).not.toContain(String(PROVIDER_COST_MARK));
    }
  });
});

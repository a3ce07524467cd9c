/**
 * End-to-end: prepaid credit under `wrangler dev`, as `npm run dev` runs it.
 * A new account without credit is refused 402 through the official SDKs;
 * it buys credit through the local Checkout flow (the router asks the fake
 * Stripe for a session, a "browser" pays on the fake's hosted page, the fake
 * posts the signed webhook to the router), and then its requests succeed
 * and the ledger adds up: balance = top-up − the requests' prices.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, startE2EStack, type E2EStack } from "./e2e-stack.ts";

let e2e: E2EStack;
let key: string;

const MODEL = "mistral/mistral-small-latest";
const TOPUP_USD = 20;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nano = (usd: number) => Math.round(usd * 1e9);

interface Transaction {
  id: string;
  kind: string;
  amount_usd: number;
  requests: number;
  paid: { amount_minor: number; currency: string } | null;
  reference: string | null;
  pending: boolean;
}
interface Credits {
  balance_usd: number;
  reserved_usd: number;
  transactions: Transaction[];
}

async function call(path: string, init: RequestInit & { token?: string; body?: string } = {}): Promise<Response> {
  const { token = key, ...rest } = init;
  return fetch(`${e2e.stack.url}${path}`, { ...rest, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } });
}

async function credits(): Promise<Credits> {
  const res = await call("/v1/credits?limit=100");
  expect(res.status).toBe(200);
  return (await res.json()) as Credits;
}

/** Polls `read` every 500 ms until `done` holds (returning that value) or `timeoutMs` passes (returning the last one). */
async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 40_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(500);
    value = await read();
  }
  return value;
}

/** A new account with no credit and a key with every scope, made through the operator API (not createDemo, which grants credit). */
async function accountWithoutCredit(): Promise<string> {
  const account = await call("/admin/v1/accounts", { method: "POST", token: ADMIN_TOKEN, body: JSON.stringify({ email: "e2e-billing-new@example.com", name: "New customer", tier: "free" }) });
  expect(account.status).toBe(201);
  const { id } = (await account.json()) as { id: string };
  const created = await call(`/admin/v1/accounts/${id}/keys`, { method: "POST", token: ADMIN_TOKEN, body: JSON.stringify({ name: "billing e2e" }) });
  expect(created.status).toBe(201);
  return ((await created.json()) as { key: string }).key;
}

beforeAll(async () => {
  e2e = await startE2EStack("billing");
  key = await accountWithoutCredit();
});

afterAll(() => e2e?.stop());

describe("prepaid credit through the local Checkout flow", () => {
  it("refuses an account without credit 402 through both SDKs, tops up through Checkout, then serves and debits", async () => {
    const openai = new OpenAI({ apiKey: key, baseURL: `${e2e.stack.url}/v1`, maxRetries: 0 });
    const anthropic = new Anthropic({ apiKey: key, baseURL: e2e.stack.url, maxRetries: 0 });
    expect((await credits()).balance_usd).toBe(0);

    const refused = await openai.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hello" }] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect(refused).toMatchObject({ status: 402, code: "insufficient_credits", type: "insufficient_quota" });
    const refusedMessage = await anthropic.messages.create({ model: MODEL, max_tokens: 64, messages: [{ role: "user", content: "Hello" }] }).catch((e: unknown) => e);
    expect(refusedMessage).toBeInstanceOf(Anthropic.PaymentRequiredError);
    expect(refusedMessage).toMatchObject({ status: 402, error: { type: "error", error: { type: "billing_error" } } });

    // The customer asks for a Checkout Session and is sent to its URL: the fake's hosted page.
    const checkout = await call("/v1/billing/checkout", { method: "POST", body: JSON.stringify({ purpose: "credits", amount_usd: TOPUP_USD }) });
    expect(checkout.status).toBe(201);
    const session = (await checkout.json()) as { id: string; url: string };
    expect(session.url.startsWith(`${e2e.stack.fake!.url}/__stripe/checkout/`)).toBe(true);
    const page = await fetch(session.url);
    expect(page.status).toBe(200);
    const action = /<form method="post" action="([^"]+)">/.exec(await page.text())?.[1];
    expect(action).toBeDefined();

    // Pressing Pay posts the form as a browser does; the fake sends the webhook, then redirects.
    const paid = await fetch(new URL(action!, session.url), { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "", redirect: "manual" });
    expect(paid.status).toBe(303);
    expect(paid.headers.get("location")).toContain(`checkout=success&session_id=${session.id}`);
    const deliveries = (await (await fetch(`${e2e.stack.fake!.url}/__stripe/deliveries?about=${session.id}`)).json()) as { deliveries: { type: string; deliveredStatus: number | null }[] };
    expect(deliveries.deliveries.map((d) => [d.type, d.deliveredStatus])).toEqual([["checkout.session.completed", 200]]);

    const funded = await pollUntil(credits, (c) => c.balance_usd > 0);
    expect(funded.balance_usd).toBe(TOPUP_USD);
    expect(funded.transactions).toEqual([expect.objectContaining({ kind: "topup", amount_usd: TOPUP_USD, reference: session.id, paid: { amount_minor: TOPUP_USD * 100, currency: "usd" } })]);

    // Now both kinds of request succeed.
    const completion = await openai.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "Hello" }] });
    expect(completion.choices[0]!.message.content).toBe("Hello from the fake upstream.");
    const { data: stream, request_id: streamId } = await openai.chat.completions
      .create({ model: MODEL, messages: [{ role: "user", content: 'fake:{"chunks":4}' }], stream: true, stream_options: { include_usage: true } })
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello from the fake upstream.");
    const ids = [completion._request_id, streamId];
    expect(ids.every((id) => typeof id === "string" && id.length > 0)).toBe(true);

    // Each request's price as /v1/generation reports it, once the logger has it.
    const costs: number[] = [];
    for (const id of ids as string[]) {
      const res = await pollUntil(
        () => call(`/v1/generation?id=${encodeURIComponent(id)}`),
        (r) => r.status === 200,
      );
      expect(res.status, id).toBe(200);
      const { data } = (await res.json()) as { data: { status: number; total_cost: number } };
      expect(data.status).toBe(200);
      expect(data.total_cost).toBeGreaterThan(0);
      costs.push(nano(data.total_cost));
    }
    const spentNano = costs.reduce((a, b) => a + b, 0);

    // After the limiter's flush every entry is in the ledger: the top-up and the usage of both requests.
    const settled = await pollUntil(credits, (c) => c.transactions.every((t) => !t.pending) && c.transactions.filter((t) => t.kind === "usage").reduce((n, t) => n + t.requests, 0) === 2);
    expect(settled.transactions.every((t) => !t.pending)).toBe(true);
    const usage = settled.transactions.filter((t) => t.kind === "usage");
    expect(usage.reduce((n, t) => n + t.requests, 0)).toBe(2);
    expect(usage.reduce((sum, t) => sum + nano(t.amount_usd), 0)).toBe(-spentNano);
    expect(settled.transactions.filter((t) => t.kind === "topup")).toHaveLength(1);
    expect(settled.reserved_usd).toBe(0);
    expect(nano(settled.balance_usd)).toBe(nano(TOPUP_USD) - spentNano);
    // Room for the bounded polls above (logger, flush) to end in their own assertion, not the test's timeout.
  }, 180_000);
});

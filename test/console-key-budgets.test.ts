/**
 * Key budgets on the console's keys pages: the list shows each key's budget
 * and what is left, the key's page sets, changes and removes it through the
 * same logic as the API, bad amounts come back with a message, and another
 * account's key is out of reach.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signedInClient } from "./helpers/console";
import { tableRows } from "./helpers/html-tables";
import { keysApi } from "./helpers/keys";
import { chat, errorOf, newCustomer } from "./helpers/router";

const budgetRow = (id: string) => env.DB.prepare("select budget_nano_usd, budget_period from api_keys where id = ?").bind(id).first();

describe("key budgets in the console", () => {
  it("sets a budget from the key's page, shows it in the list, and removes it with an empty amount", async () => {
    const { accountId, keyId, key } = await newCustomer();
    const client = await signedInClient(accountId);
    const page = await client.get(`/keys/${keyId}`);
    const html = await page.text();
    expect(html).toContain('<label for="budget-amount">Budget (USD)</label>');
    expect(html).toContain('<label for="budget-period">Resets</label>');
    expect(html).toContain("Save budget");

    const saved = await client.post(`/keys/${keyId}/budget`, { amount: "25.5", period: "weekly" });
    expect(saved.status).toBe(303);
    expect(saved.headers.get("location")).toBe(`/keys/${keyId}?saved=1`);
    expect(await budgetRow(keyId)).toEqual({ budget_nano_usd: 25_500_000_000, budget_period: "weekly" });

    const list = await (await client.get("/keys")).text();
    const rows = await tableRows(list, "table");
    const header = rows[0]!;
    const prefix = await budgetKeyPrefix(keyId);
    const row = rows.find((r) => r.includes(`${prefix}…`))!;
    expect(row[header.indexOf("Budget")]).toMatch(/^\$25\.50 a week, \$25\.50 left \(resets /);
    // The API sees the same budget.
    const api = (await (await keysApi(key, "GET", `/${keyId}`)).json()) as { budget: unknown };
    expect(api.budget).toMatchObject({ limit_usd: 25.5, period: "weekly", remaining_usd: 25.5 });

    expect((await client.post(`/keys/${keyId}/budget`, { amount: "", period: "weekly" })).status).toBe(303);
    expect(await budgetRow(keyId)).toEqual({ budget_nano_usd: null, budget_period: null });
    const after = await tableRows(await (await client.get("/keys")).text(), "table");
    expect(after.find((r) => r[0] !== "Name")![header.indexOf("Budget")]).toBe("None");
  });

  it("answers 400 with a message next to the field for a bad amount or period, and changes nothing", async () => {
    const { accountId, keyId } = await newCustomer();
    const client = await signedInClient(accountId);
    for (const form of [{ amount: "0", period: "daily" }, { amount: "-3", period: "daily" }, { amount: "1.0000000001", period: "daily" }, { amount: "ten", period: "daily" }, { amount: "2000000", period: "daily" }]) {
      const res = await client.post(`/keys/${keyId}/budget`, form);
      expect(res.status, form.amount).toBe(400);
      const html = await res.text();
      expect(html).toContain('id="budget-amount-error"');
      expect(html).toContain("Enter an amount in US dollars above 0");
    }
    const badPeriod = await client.post(`/keys/${keyId}/budget`, { amount: "5", period: "yearly" });
    expect(badPeriod.status).toBe(400);
    expect(await badPeriod.text()).toContain('id="budget-period-error"');
    expect(await budgetRow(keyId)).toEqual({ budget_nano_usd: null, budget_period: null });
  });

  it("cannot reach another account's key (404), nor post without the CSRF token (403)", async () => {
    const a = await newCustomer();
    const b = await newCustomer();
    const client = await signedInClient(a.accountId);
    expect((await client.post(`/keys/${b.keyId}/budget`, { amount: "5", period: "daily" })).status).toBe(404);
    expect((await client.post(`/keys/${a.keyId}/budget`, { amount: "5", period: "daily" }, { csrf: null })).status).toBe(403);
    expect(await budgetRow(b.keyId)).toEqual({ budget_nano_usd: null, budget_period: null });
    expect(await budgetRow(a.keyId)).toEqual({ budget_nano_usd: null, budget_period: null });
  });
});
describe("a budget change through the console", () => {
  it("reaches enforcement at once, though the router's auth cache still holds the key as it was", async () => {
    const { accountId, keyId, key } = await newCustomer({ key: { budget: { limit_usd: 50, period: "monthly" } } });
    const client = await signedInClient(accountId);
    const hi = () => chat(key, { model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "hi" }] });
    const first = await hi();
    expect(first.status).toBe(200);
    await first.text();
    // The console does not evict the router's auth cache: only the push to the limiter can make this bite now.
    expect((await client.post(`/keys/${keyId}/budget`, { amount: "0.000000001", period: "monthly" })).status).toBe(303);
    const refused = await hi();
    expect(refused.status).toBe(402);
    expect((await errorOf(refused)).code).toBe("budget_exceeded");
    expect((await client.post(`/keys/${keyId}/budget`, { amount: "", period: "monthly" })).status).toBe(303);
    const again = await hi();
    expect(again.status).toBe(200);
    await again.text();
  });
});

async function budgetKeyPrefix(keyId: string): Promise<string> {
  const row = await env.DB.prepare("select prefix from api_keys where id = ?").bind(keyId).first<{ prefix: string }>();
  return row!.prefix;
}

import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { writeEvents } from "../src/logger/consumer";
import type { UsageSeries } from "../src/console/pages/usage-summary";
import { utcDay } from "../src/shared/retention";
import { signedInClient, type ConsoleClient } from "./helpers/console";
import { tableRows, textOf } from "./helpers/html-tables";
import { logEvent } from "./helpers/log-events";
import { newCustomer, type Customer } from "./helpers/router";

const DAY_MS = 86_400_000;
// Noon UTC today, held still: "today" must not turn into tomorrow between seeding and reading.
const now = Math.floor(Date.now() / DAY_MS) * DAY_MS + DAY_MS / 2;

/** A billed request of the customer `daysAgo` days ago. */
const billed = (c: Customer, daysAgo: number, model: string, tokens: [number, number], costNanoUsd: number) =>
  logEvent({ account_id: c.accountId, key_id: c.keyId, model, receivedAt: now - daysAgo * DAY_MS, prompt_tokens: tokens[0], completion_tokens: tokens[1], cost_nano_usd: costNanoUsd });

let alice: Customer;
let client: ConsoleClient;
beforeAll(async () => {
  vi.useFakeTimers({ toFake: ["Date"], now });
  alice = await newCustomer();
  const bob = await newCustomer();
  await writeEvents(
    env,
    [
      billed(alice, 0, "openai/gpt-4o-mini", [10, 20], 13_500),
      billed(alice, 0, "openai/gpt-4o-mini", [5, 5], 4_000),
      billed(alice, 1, "mistral/mistral-small-latest", [100, 50], 2_000_000),
      billed(alice, 10, "openai/gpt-4o-mini", [1, 1], 500),
      billed(alice, 60, "mistral/mistral-small-latest", [1000, 1000], 1_500_000_000),
      // Another account's usage never shows on Alice's overview.
      billed(bob, 0, "anthropic/claude-haiku-4-5", [7, 7], 99_000),
      // Refused before any provider was called: logged, not usage.
      logEvent({ account_id: alice.accountId, model: "openai/gpt-4o-mini", attempts: 0, status: 429, error_code: "rate_limit_exceeded", receivedAt: now }),
    ],
    now,
  );
  client = await signedInClient(alice.accountId);
});
afterAll(() => void vi.useRealTimers());

async function overview(query = ""): Promise<{ status: number; html: string }> {
  const res = await client.get(`/${query}`);
  return { status: res.status, html: await res.text() };
}

describe("overview", () => {
  it("totals the last 30 days' requests, tokens and cost from the billing ledger", async () => {
    const { status, html } = await overview();
    expect(status).toBe(200);
    expect(await tableRows(html, '[data-testid="totals"]')).toEqual([
      ["Requests", "4"],
      ["Tokens", "192 (116 input, 76 output)"],
      ["Cost", "$0.002018"],
    ]);
  });

  it("lists each model used with its requests, tokens and cost, and no other account's", async () => {
    const { html } = await overview();
    expect(await tableRows(html, '[data-testid="per-model"]')).toEqual([
      ["Model", "Requests", "Input tokens", "Output tokens", "Cost"],
      ["mistral/mistral-small-latest", "1", "100", "50", "$0.002"],
      ["openai/gpt-4o-mini", "3", "16", "26", "$0.000018"],
    ]);
    expect(html).not.toContain("claude-haiku");
  });

  it("lists the days with usage, newest first, for readers without JavaScript", async () => {
    const { html } = await overview();
    const rows = await tableRows(html, '[data-testid="per-day"]');
    expect(rows.map((r) => r.slice(0, 2))).toEqual([
      ["Day (UTC)", "Requests"],
      [utcDay(now), "2"],
      [utcDay(now - DAY_MS), "1"],
      [utcDay(now - 10 * DAY_MS), "1"],
    ]);
  });

  it("gives the charts one series per model with a value for every day of the period", async () => {
    const { html } = await overview();
    const series = JSON.parse((await textOf(html, "usage-data"))!) as UsageSeries;
    expect(series.days).toHaveLength(30);
    expect(series.days.at(-1)).toBe(utcDay(now));
    expect(series.start_date).toBe(series.days[0]);
    expect(series.models).toEqual(["mistral/mistral-small-latest", "openai/gpt-4o-mini"]);
    const today = 29;
    expect(series.requests[1]![today]).toBe(2);
    expect(series.requests[0]![today - 1]).toBe(1);
    expect(series.requests[1]![today - 10]).toBe(1);
    expect(series.tokens[1]![today]).toBe(40);
    expect(series.cost_usd[0]![today - 1]).toBeCloseTo(0.002, 12);
    expect(series.requests.flat().reduce((a, b) => a + b, 0)).toBe(4);
  });

  it("loads the chart library and charts.js from its own origin, with a captioned, labelled figure per chart", async () => {
    const { html } = await overview();
    expect(html).toContain('<script src="/assets/vendor/uplot.iife.min.js" defer="">');
    expect(html).toContain('<script src="/assets/charts.js" defer="">');
    expect(html).toContain('<link rel="stylesheet" href="/assets/vendor/uplot.min.css"');
    for (const chart of ["requests", "tokens", "cost_usd"]) expect(html).toMatch(new RegExp(`<figure data-chart="${chart}" aria-label="[^"]+ to ${utcDay(now)}"><figcaption>`));
  });

  it("shows the period chosen: 7 days leave out older usage, 90 days take it in", async () => {
    const week = await overview("?days=7");
    expect(await tableRows(week.html, '[data-testid="totals"]')).toContainEqual(["Requests", "3"]);
    expect(week.html).toMatch(/<option value="7" selected="">Last 7 days/);
    expect(JSON.parse((await textOf(week.html, "usage-data"))!).days).toHaveLength(7);
    const quarter = await overview("?days=90");
    expect(await tableRows(quarter.html, '[data-testid="totals"]')).toContainEqual(["Cost", "$1.50"]);
  });

  it("refuses a period it does not offer with a 400 page showing the default 30 days", async () => {
    const { status, html } = await overview("?days=365");
    expect(status).toBe(400);
    expect(html).toContain('role="alert"');
    expect(await tableRows(html, '[data-testid="totals"]')).toContainEqual(["Requests", "4"]);
  });

  it("greets an account without usage with how to get started, and stops once it has usage", async () => {
    const newcomer = await newCustomer();
    const fresh = await signedInClient(newcomer.accountId);
    const before = await (await fresh.get("/")).text();
    expect(before).toContain("Getting started");
    expect(before).toContain('<a href="/keys">');
    expect(before).toContain("<code>https://api.test/v1</code>");
    expect(await tableRows(before, '[data-testid="totals"]')).toContainEqual(["Requests", "0"]);
    expect(before).not.toContain('data-testid="per-model"');
    // Usage older than the period still means the account is under way.
    await writeEvents(env, [billed(newcomer, 60, "openai/gpt-4o-mini", [1, 1], 1)], Date.now());
    const after = await (await fresh.get("/")).text();
    expect(after).not.toContain("Getting started");
  });
});

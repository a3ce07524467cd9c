import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { writeEvents } from "../src/logger/consumer";
import type { LogEvent } from "../src/shared/log-event";
import { signedInClient, type ConsoleClient } from "./helpers/console";
import { tableRows } from "./helpers/html-tables";
import { callWithLog, chatInit, readBody } from "./helpers/log-capture";
import { fellBack, logEvent } from "./helpers/log-events";
import { admin, newCustomer, tag, type Customer } from "./helpers/router";

const DAY_MS = 86_400_000;
const now = Date.now();

let alice: Customer;
let bob: Customer;
/** Alice's second key, named "ci". */
let ciKeyId: string;
let client: ConsoleClient;
/** Alice's requests of the last 30 days, newest first as the list orders them. */
let aliceRecent: LogEvent[];
let fallback: LogEvent;
let bobsRequest: LogEvent;

beforeAll(async () => {
  alice = await newCustomer();
  bob = await newCustomer();
  const ci = await admin("POST", `/accounts/${alice.accountId}/keys`, { name: "ci" });
  ciKeyId = ((await ci.json()) as { id: string }).id;
  // 52 plain requests, three to a millisecond, so pages break inside a tie.
  const plain = Array.from({ length: 52 }, (_, i) => logEvent({ account_id: alice.accountId, key_id: alice.keyId, receivedAt: now - 5 * DAY_MS + Math.floor(i / 3) }));
  fallback = logEvent({ account_id: alice.accountId, key_id: ciKeyId, model: "mistral/mistral-small-latest", receivedAt: now - DAY_MS, prompt_tokens: 1234, completion_tokens: 56, cost_nano_usd: 2_500_000, ...fellBack() });
  const limited = logEvent({ account_id: alice.accountId, key_id: ciKeyId, attempts: 0, status: 429, error_code: "rate_limit_exceeded", receivedAt: now - 2 * DAY_MS, prompt_tokens: 0, completion_tokens: 0, cost_nano_usd: 0 });
  const failed = logEvent({ account_id: alice.accountId, key_id: alice.keyId, status: 502, error_code: "upstream_error", receivedAt: now - 3 * DAY_MS });
  const tooOld = logEvent({ account_id: alice.accountId, key_id: alice.keyId, receivedAt: now - 31 * DAY_MS });
  bobsRequest = logEvent({ account_id: bob.accountId, key_id: bob.keyId, model: "anthropic/claude-haiku-4-5", receivedAt: now - DAY_MS });
  await writeEvents(env, [...plain, fallback, limited, failed, tooOld, bobsRequest], now);
  aliceRecent = [...plain, fallback, limited, failed].sort((a, b) => b.received_at - a.received_at || (a.request_id < b.request_id ? 1 : -1));
  client = await signedInClient(alice.accountId);
});

interface ListPage {
  status: number;
  html: string;
  ids: string[];
  older: string | null;
}

async function list(query = ""): Promise<ListPage> {
  const res = await client.get(`/logs${query}`);
  const html = await res.text();
  const ids = [...html.matchAll(/<a href="\/logs\/(req_[0-9a-f]{32})">Details<\/a>/g)].map((m) => m[1]!);
  const older = /<a href="([^"]+)" rel="next">Older<\/a>/.exec(html)?.[1]?.replaceAll("&amp;", "&") ?? null;
  return { status: res.status, html, ids, older };
}

const ids = (events: readonly LogEvent[]) => events.map((e) => e.request_id);

describe("request logs list", () => {
  it("lists the account's last 30 days newest first, 50 a page, and the Older link walks the rest without gaps or repeats", async () => {
    const first = await list();
    expect(first.status).toBe(200);
    expect(first.ids).toEqual(ids(aliceRecent.slice(0, 50)));
    expect(first.older).toMatch(/^\/logs\?before=\d+\.req_[0-9a-f]{32}$/);
    const second = await list(first.older!.slice("/logs".length));
    expect(second.ids).toEqual(ids(aliceRecent.slice(50)));
    expect(second.older).toBeNull();
    expect(second.html).toContain('<a href="/logs">Newest</a>');
  });

  it("shows each request's time, model, key, status, tokens, cost and latency", async () => {
    const { html } = await list();
    const rows = await tableRows(html, '[data-testid="request-logs"]');
    expect(rows[0]).toEqual(["Time", "Model", "Key", "Status", "Tokens", "Cost", "Latency", "Request"]);
    const iso = new Date(fallback.received_at).toISOString();
    expect(rows[1]).toEqual([`${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`, "mistral/mistral-small-latest", expect.stringMatching(/^ci \(emby_sk_\w+…\)$/), "200", "1,290", "$0.0025", "250 ms", "Details"]);
    expect(rows[2]).toEqual([expect.any(String), "openai/gpt-4o-mini", expect.stringMatching(/^ci /), "429 rate_limit_exceeded", "0", "$0.00", "250 ms", "Details"]);
  });

  it("never shows another account's requests", async () => {
    const { html } = await list();
    expect(html).not.toContain(bobsRequest.request_id);
    expect(html).not.toContain("claude-haiku");
  });

  it("filters by model", async () => {
    const page = await list("?model=mistral%2Fmistral-small-latest");
    expect(page.ids).toEqual([fallback.request_id]);
    expect(page.html).toContain('value="mistral/mistral-small-latest"');
  });

  it("filters by success or error, and by an exact status code", async () => {
    const errorsOnly = await list("?status=error");
    expect(errorsOnly.ids).toEqual(ids(aliceRecent.filter((e) => e.status >= 400)));
    expect(errorsOnly.ids).toHaveLength(2);
    const successes = await list("?status=success");
    expect(successes.ids).toEqual(ids(aliceRecent.filter((e) => e.status < 400).slice(0, 50)));
    const limited = await list("?status=429");
    expect(limited.ids).toEqual(ids(aliceRecent.filter((e) => e.status === 429)));
    expect(limited.html).toMatch(/<option value="429" selected="">/);
  });

  it("filters by key, offering the account's keys in a select", async () => {
    const page = await list(`?key=${ciKeyId}`);
    expect(page.ids).toEqual(ids(aliceRecent.filter((e) => e.key_id === ciKeyId)));
    expect(page.html).toMatch(new RegExp(`<option value="${ciKeyId}" selected="">ci \\(`));
    expect(page.html).toContain(`<option value="${alice.keyId}">`);
  });

  it("keeps the filters on the Older link", async () => {
    const page = await list(`?status=success&key=${alice.keyId}`);
    expect(page.ids).toHaveLength(50);
    expect(page.older).toMatch(new RegExp(`^/logs\\?status=success&key=${alice.keyId}&before=`));
    const next = await list(page.older!.slice("/logs".length));
    expect([...page.ids, ...next.ids]).toEqual(ids(aliceRecent.filter((e) => e.status < 400 && e.key_id === alice.keyId)));
  });

  it("answers filters it cannot read with a 400 page listing every request", async () => {
    const page = await list("?status=teapot&before=yesterday");
    expect(page.status).toBe(400);
    expect(page.html).toContain('role="alert"');
    expect(page.ids).toEqual(ids(aliceRecent.slice(0, 50)));
  });
});

describe("one request's detail", () => {
  const cells = async (html: string, testId: string) => Object.fromEntries((await tableRows(html, `[data-testid="${testId}"]`)).map(([k, v]) => [k, v]));

  it("shows the route, data region, every attempt, tokens, cost and timings", async () => {
    const res = await client.get(`/logs/${fallback.request_id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(await cells(html, "request")).toMatchObject({ "Request id": fallback.request_id, Endpoint: "POST chat.completions", Model: "mistral/mistral-small-latest", Status: "200" });
    expect((await cells(html, "request")).Key).toMatch(/^ci \(/);
    expect(await cells(html, "routing")).toEqual({ Route: "openai-eu", "Data region": "EU", "Upstream model": "gpt-4o-mini", Attempts: "2" });
    expect(await tableRows(html, '[data-testid="attempts"]')).toEqual([
      ["#", "Route", "Upstream model", "Outcome", "Status", "Latency"],
      ["1", "openai", "gpt-4o-mini", "upstream_unavailable", "503", "40 ms"],
      ["2", "openai-eu", "gpt-4o-mini-2024-07-18", "ok", "200", "210 ms"],
    ]);
    expect(await cells(html, "usage")).toEqual({ "Input tokens": "1,234", "Cached input tokens": "0", "Output tokens": "56", "Reasoning tokens": "0", Cost: "$0.0025" });
    expect(await cells(html, "timings")).toMatchObject({ Latency: "250 ms", "Time to first byte": "100 ms" });
  });

  it("is a 404 page for another account's request, an unknown id and a malformed one", async () => {
    for (const id of [bobsRequest.request_id, `req_${"0".repeat(32)}`, "not-an-id"]) {
      const res = await client.get(`/logs/${id}`);
      expect(res.status).toBe(404);
      const html = await res.text();
      expect(html).toContain("Request not found");
      expect(html).not.toContain("claude-haiku");
    }
  });
});

describe("a call through the router", () => {
  it("shows on the overview and in the request logs once the logger has written it", async () => {
    const carol = await newCustomer();
    const prompt = tag();
    const made = await callWithLog("/v1/chat/completions", chatInit(carol.key, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: prompt }] }));
    await readBody(made.response);
    const [event] = await made.settled();
    await writeEvents(env, [event!], Date.now());
    const carolsClient = await signedInClient(carol.accountId);
    const overview = await (await carolsClient.get("/")).text();
    expect((await tableRows(overview, '[data-testid="per-model"]'))[1]).toEqual(["openai/gpt-4o-mini", "1", String(event!.prompt_tokens), String(event!.completion_tokens), expect.stringMatching(/^\$0\.\d+$/)]);
    const logs = await (await carolsClient.get("/logs")).text();
    expect(logs).toContain(`<a href="/logs/${made.response.headers.get("x-request-id")}">Details</a>`);
    const detail = await carolsClient.get(`/logs/${event!.request_id}`);
    expect(detail.status).toBe(200);
    // Metadata only: the prompt is on neither page.
    expect(logs).not.toContain(prompt);
    expect(await detail.text()).not.toContain(prompt);
  });
});

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { writeEvents } from "../src/logger/consumer";
import type { LogEvent } from "../src/shared/log-event";
import { utcDay } from "../src/shared/retention";
import { callWithLog, chatInit, readBody } from "./helpers/log-capture";
import { fellBack, logEvent, newRequestId } from "./helpers/log-events";
import { call, errorOf, newCustomer, type Customer } from "./helpers/router";

let alice: Customer;
let bob: Customer;
beforeAll(async () => {
  alice = await newCustomer();
  bob = await newCustomer();
});

const get = (key: string, path: string) => call(path, { headers: { authorization: `Bearer ${key}` } });

/** Makes a real request through the router and lets "the logger" write its event, as the queue would. */
async function loggedChat(customer: Customer, body: unknown): Promise<LogEvent> {
  const made = await callWithLog("/v1/chat/completions", chatInit(customer.key, body));
  await readBody(made.response);
  const [event] = await made.settled();
  await writeEvents(env, [event!], Date.now());
  return event!;
}

interface Generation {
  data: Record<string, unknown> & { usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } };
}

describe("GET /v1/generation", () => {
  it("returns the metadata of one of the account's requests", async () => {
    const event = await loggedChat(alice, { model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] });
    const res = await get(alice.key, `/v1/generation?id=${event.request_id}`);
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as Generation;
    expect(data).toMatchObject({
      id: event.request_id,
      object: "generation",
      model: "openai/gpt-4o-mini",
      provider: "openai",
      upstream_model: "gpt-4o-mini",
      key_id: alice.keyId,
      status: 200,
      error_code: null,
      streamed: true,
      cancelled: false,
      attempts: 1,
      latency_ms: event.latency_ms,
      created_at: new Date(event.received_at).toISOString(),
      completed_at: new Date(event.completed_at).toISOString(),
      total_cost: event.cost_nano_usd / 1e9,
    });
    expect(data.usage).toMatchObject({ prompt_tokens: event.prompt_tokens, completion_tokens: event.completion_tokens, total_tokens: event.prompt_tokens + event.completion_tokens });
  });

  it("shows the route that answered, its data region and every attempt with its outcome", async () => {
    const event = logEvent({ account_id: alice.accountId, ...fellBack() });
    await writeEvents(env, [event], Date.now());
    const { data } = (await (await get(alice.key, `/v1/generation?id=${event.request_id}`)).json()) as Generation;
    expect(data).toMatchObject({ provider: "openai", route: "openai-eu", provider_name: "openai-eu", data_region: "eu", upstream_model: event.upstream_model, attempts: 2 });
    expect(data.attempt_log).toEqual([
      { route: "openai", upstream_model: "gpt-4o-mini", outcome: "upstream_unavailable", status: 503, latency_ms: 40 },
      { route: "openai-eu", upstream_model: "gpt-4o-mini-2024-07-18", outcome: "ok", status: 200, latency_ms: 210 },
    ]);
  });

  it("shows no route and no attempt list for a request logged before attempts were recorded, and keeps its count", async () => {
    const older = logEvent({ account_id: alice.accountId });
    const unanswered = logEvent({ account_id: alice.accountId, attempts: 0, route: null, data_region: null, attempt_log: [], status: 403, error_code: "consent_required" });
    await writeEvents(env, [older, unanswered], Date.now());
    const view = async (id: string) => ((await (await get(alice.key, `/v1/generation?id=${id}`)).json()) as Generation).data;
    expect(await view(older.request_id)).toMatchObject({ route: null, provider_name: null, data_region: null, attempt_log: null, attempts: 1 });
    expect(await view(unanswered.request_id)).toMatchObject({ route: null, data_region: null, attempt_log: [], attempts: 0 });
  });

  it("answers 404 for another account's request, exactly as for an unknown one", async () => {
    const event = await loggedChat(alice, { model: "mistral/mistral-small-latest", messages: [{ role: "user", content: "hi" }] });
    const other = await get(bob.key, `/v1/generation?id=${event.request_id}`);
    const unknown = await get(bob.key, `/v1/generation?id=${newRequestId()}`);
    expect(other.status).toBe(404);
    expect(unknown.status).toBe(404);
    expect(await errorOf(other)).toEqual(await errorOf(unknown));
    expect((await get(bob.key, "/v1/generation?id=not-a-request-id")).status).toBe(404);
  });

  it("asks for the id when it is missing", async () => {
    const res = await get(alice.key, "/v1/generation");
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ param: "id", code: "missing_parameter" });
  });
});

interface UsageList {
  start_date: string;
  end_date: string;
  data: { date: string; model: string; requests: number; prompt_tokens: number; completion_tokens: number; cost_usd: number }[];
  total: { requests: number; prompt_tokens: number; cost_usd: number };
}

describe("GET /v1/usage", () => {
  it("reports today's requests by model from the billing ledger", async () => {
    const customer = await newCustomer();
    const a = await loggedChat(customer, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: "one" }] });
    const b = await loggedChat(customer, { model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "two" }] });
    await loggedChat(customer, { model: "openai/nope", messages: [{ role: "user", content: "not billed" }] });
    const res = await get(customer.key, "/v1/usage");
    expect(res.status).toBe(200);
    const usage = (await res.json()) as UsageList;
    expect(usage.end_date).toBe(utcDay(Date.now()));
    expect(usage.data).toEqual([
      {
        date: utcDay(a.received_at),
        model: "openai/gpt-4o-mini",
        requests: 2,
        prompt_tokens: a.prompt_tokens + b.prompt_tokens,
        completion_tokens: a.completion_tokens + b.completion_tokens,
        cached_tokens: 0,
        reasoning_tokens: 0,
        cost_usd: (a.cost_nano_usd + b.cost_nano_usd) / 1e9,
      },
    ]);
    expect(usage.total.requests).toBe(2);
  });

  it("filters by date range and model, and shows no other account's usage", async () => {
    const day1 = Date.UTC(2026, 2, 1, 10);
    const day2 = Date.UTC(2026, 2, 2, 10);
    const mine = (receivedAt: number, model = "openai/gpt-4o-mini") =>
      logEvent({ account_id: alice.accountId, receivedAt, model, provider: model.split("/")[0]!, upstream_model: model.split("/")[1]! });
    await writeEvents(env, [mine(day1), mine(day1, "mistral/mistral-small-latest"), mine(day2), logEvent({ account_id: bob.accountId, receivedAt: day1 })], Date.now());

    const one = (await (await get(alice.key, "/v1/usage?start_date=2026-03-01&end_date=2026-03-01")).json()) as UsageList;
    expect(one.data.map((d) => [d.date, d.model, d.requests])).toEqual([
      ["2026-03-01", "mistral/mistral-small-latest", 1],
      ["2026-03-01", "openai/gpt-4o-mini", 1],
    ]);
    const byModel = (await (await get(alice.key, "/v1/usage?start_date=2026-03-01&end_date=2026-03-02&model=openai/gpt-4o-mini")).json()) as UsageList;
    expect(byModel.data.map((d) => d.date)).toEqual(["2026-03-01", "2026-03-02"]);
    expect(byModel.total.requests).toBe(2);
    const bobs = (await (await get(bob.key, "/v1/usage?start_date=2026-03-01&end_date=2026-03-02")).json()) as UsageList;
    expect(bobs.total.requests).toBe(1);
  });

  it("rejects bad dates and oversized ranges", async () => {
    for (const query of ["start_date=2026-02-30", "end_date=yesterday", "start_date=2026-03-05&end_date=2026-03-01", "start_date=2024-01-01&end_date=2026-01-01", "from=2026-01-01"]) {
      const res = await get(alice.key, `/v1/usage?${query}`);
      expect(res.status, query).toBe(400);
    }
  });
});

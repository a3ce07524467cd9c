/**
 * Routing through the router: receipts, EU eligibility, provider preferences
 * and fallback models, proven by the fake upstream's records. Mistral models
 * have two routes, `mistral-eu` (fake path /mistral/v1) then `mistral-global`
 * (/mistral-global/v1), so the records tell which endpoint was called.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { BREAKER_DEFAULTS } from "../src/routing/health-policy";
import { callWithLog, chatInit } from "./helpers/log-capture";
import { eventually } from "./helpers/limiter";
import { messages } from "./helpers/messages";
import { admin, call, chat, errorOf, newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

const MISTRAL = "mistral/mistral-small-latest";
const EU_PATH = "/mistral/v1/chat/completions";
const GLOBAL_PATH = "/mistral-global/v1/chat/completions";

let consenting: Customer;
let nonConsenting: Customer;
beforeAll(async () => {
  [consenting, nonConsenting] = await Promise.all([newCustomer(), newCustomer({ consent: false })]);
});

/** A prompt with a marker (to find the fake's records) and directives for the fake (the first that matches a request applies). */
const prompt = (marker: string, ...directives: object[]) => [{ role: "user", content: [marker, ...directives.map((d) => `fake:${JSON.stringify(d)}`)].join(" ") }];
/** A directive for the EU Mistral route only (the fake's label is its path's first segment). */
const onEu = (directive: object) => ({ route: "mistral", ...directive });

const paths = async (marker: string) => (await upstreamRequests(marker)).map((r) => r.path);

const receipt = (res: Response) => ({
  route: res.headers.get("x-emby-route"),
  region: res.headers.get("x-emby-data-region"),
  attempts: res.headers.get("x-emby-attempts"),
});

describe("receipts", () => {
  it.each([false, true])("on /v1/chat/completions (stream %s): the endpoint that answered, its region, the attempts", async (stream) => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, stream, messages: prompt(marker) });
    expect(res.status).toBe(200);
    await res.text();
    expect(receipt(res)).toEqual({ route: "mistral-eu", region: "eu", attempts: "1" });
    expect(await paths(marker)).toEqual([EU_PATH]);
  });

  it.each([false, true])("on /v1/messages (stream %s), passed through to Anthropic and translated for Mistral", async (stream) => {
    const res = await messages(consenting.key, { model: "anthropic/claude-haiku-4-5", stream, max_tokens: 16, messages: prompt(tag()) });
    expect(res.status).toBe(200);
    await res.text();
    expect(receipt(res)).toEqual({ route: "anthropic", region: "us", attempts: "1" });
    const translated = await messages(consenting.key, { model: MISTRAL, stream, max_tokens: 16, messages: prompt(tag()) });
    expect(translated.status).toBe(200);
    await translated.text();
    expect(receipt(translated)).toEqual({ route: "mistral-eu", region: "eu", attempts: "1" });
  });

  it("on the client's own error: the attempts, no route", async () => {
    const res = await chat(consenting.key, { model: MISTRAL, messages: prompt(tag(), { status: 400 }) });
    expect(res.status).toBe(400);
    expect(receipt(res)).toEqual({ route: null, region: null, attempts: "1" });
  });

  it("when every route failed: the attempts made", async () => {
    const res = await chat(consenting.key, { model: MISTRAL, messages: prompt(tag(), { status: 500 }) });
    expect(res.status).toBe(502);
    expect(receipt(res)).toEqual({ route: null, region: null, attempts: "2" });
  });

  it("on /v1/messages errors too", async () => {
    const res = await messages(consenting.key, { model: MISTRAL, max_tokens: 16, messages: prompt(tag(), { status: 500 }) });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-emby-attempts")).toBe("2");
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "api_error" } });
  });

  it("when the account's limits refuse the request: 0 attempts", async () => {
    const limited = await newCustomer({ key: { limits: { rpm: 1 } } });
    expect((await chat(limited.key, { model: MISTRAL, messages: prompt(tag()) })).status).toBe(200);
    const refused = await chat(limited.key, { model: MISTRAL, messages: prompt(tag()) });
    expect(refused.status).toBe(429);
    expect(receipt(refused)).toEqual({ route: null, region: null, attempts: "0" });
  });

  it("when no route may be tried: 0 attempts", async () => {
    const res = await chat(nonConsenting.key, { model: "openai/gpt-4o-mini", messages: prompt(tag()) });
    expect(res.status).toBe(403);
    expect(res.headers.get("x-emby-attempts")).toBe("0");
  });
});

describe("EU routes only", () => {
  it("a consenting account falls back from the EU route to the global one", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, messages: prompt(marker, { status: 500 }) });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-emby-attempts")).toBe("2");
    expect(await paths(marker)).toEqual([EU_PATH, GLOBAL_PATH]);
  });

  it("an account without consent never reaches the global endpoint, even when the EU route fails", async () => {
    const marker = tag();
    const res = await chat(nonConsenting.key, { model: MISTRAL, messages: prompt(marker, { status: 500 }) });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-emby-attempts")).toBe("1");
    expect(await paths(marker)).toEqual([EU_PATH]);
  });

  it("provider.data_region 'eu' keeps a consenting account in the EU, even when the EU route fails", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, provider: { data_region: "eu" }, messages: prompt(marker, { status: 503 }) });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-emby-attempts")).toBe("1");
    expect(await paths(marker)).toEqual([EU_PATH]);
    const refused = await chat(consenting.key, { model: "openai/gpt-4o-mini", provider: { data_region: "eu" }, messages: prompt(tag()) });
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("data_region_restricted");
  });

  it("a key created EU-only keeps a consenting account in the EU, and says so in its view", async () => {
    const customer = await newCustomer({ key: { data_region: "eu" } });
    const created = await admin("POST", `/accounts/${customer.accountId}/keys`, { data_region: "eu" });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ data_region: "eu" });
    const plain = await admin("POST", `/accounts/${customer.accountId}/keys`, {});
    expect(await plain.json()).toMatchObject({ data_region: null });
    const marker = tag();
    const res = await chat(customer.key, { model: MISTRAL, messages: prompt(marker, { status: 500 }) });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-emby-attempts")).toBe("1");
    expect(await paths(marker)).toEqual([EU_PATH]);
    const refused = await chat(customer.key, { model: "openai/gpt-4o-mini", messages: prompt(tag()) });
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("data_region_restricted");
  });

  it("an account without consent is told which models run in the EU", async () => {
    const res = await chat(nonConsenting.key, { model: "openai/gpt-4o-mini", messages: prompt(tag()) });
    const err = await errorOf(res);
    expect(err.code).toBe("consent_required");
    expect(err.message).toContain(MISTRAL);
  });
});

describe("fallback on each failure kind", () => {
  // The fake fails every route alike: the second route's record proves the fallback.
  it.each([
    ["a dropped connection", { drop: "before" }, 502, "upstream_unreachable"],
    ["a 500", { status: 500 }, 502, "upstream_error"],
    ["a 429 without a hint", { status: 429 }, 429, "upstream_rate_limited"],
    ["a 529 (overloaded)", { status: 529 }, 503, "upstream_unavailable"],
    ["a 401 (the router's credential)", { status: 401 }, 502, "upstream_auth_error"],
    ["a 403 (the router's credential)", { status: 403 }, 502, "upstream_auth_error"],
    ["a 402 (the router's account with the provider)", { status: 402 }, 502, "upstream_payment_required"],
    ["a first-byte timeout", { firstByteDelayMs: 2_500 }, 504, "upstream_timeout"],
  ])("%s: the next route is tried, and the client gets the most useful error", async (_name, directive, status, code) => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, messages: prompt(marker, directive) });
    expect(res.status).toBe(status);
    expect((await errorOf(res)).code).toBe(code);
    expect(res.headers.get("x-emby-attempts")).toBe("2");
    expect(await paths(marker)).toEqual([EU_PATH, GLOBAL_PATH]);
  });

  it.each([400, 413, 422])("no fallback on the client's own error (upstream %i): one attempt", async (status) => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, messages: prompt(marker, { status }) });
    expect(res.status).toBe(status === 422 ? 400 : status);
    expect(res.headers.get("x-emby-attempts")).toBe("1");
    expect(await paths(marker)).toEqual([EU_PATH]);
  });
});

describe("one route failing, the next serving (per-route switches of the fake)", () => {
  it.each([
    ["a dropped connection", { drop: "before" }, "upstream_unreachable"],
    ["a 500", { status: 500 }, "upstream_error"],
    ["a 429 without a hint", { status: 429 }, "upstream_rate_limited"],
    ["a 503 with a hint longer than the router waits", { status: 503, retryAfter: 30 }, "upstream_unavailable"],
    ["a 529 (overloaded)", { status: 529 }, "upstream_unavailable"],
    ["a 401 (the router's credential)", { status: 401 }, "upstream_auth_error"],
    ["a 403 (the router's credential)", { status: 403 }, "upstream_auth_error"],
    ["a 402 (the router's account with the provider)", { status: 402 }, "upstream_payment_required"],
    ["a 404 (the route does not serve the model: a gone deployment, a model not offered in that region)", { status: 404 }, "upstream_model_not_found"],
    ["a first-byte timeout", { firstByteDelayMs: 2_500 }, "upstream_timeout"],
    ["a 503 whose error body is cut off mid-read", { status: 503, drop: "mid" }, "upstream_interrupted"],
  ])("%s on the EU route: the global route answers, and the log shows both attempts", async (_name, directive, code) => {
    const marker = tag();
    const call = await callWithLog("/v1/chat/completions", chatInit(consenting.key, { model: MISTRAL, messages: prompt(marker, onEu(directive)) }));
    expect(call.response.status).toBe(200);
    await call.response.text();
    expect(receipt(call.response)).toEqual({ route: "mistral-global", region: "global", attempts: "2" });
    expect(await paths(marker)).toEqual([EU_PATH, GLOBAL_PATH]);
    const [event] = await call.settled();
    expect(event).toMatchObject({ status: 200, route: "mistral-global", data_region: "global", attempts: 2 });
    expect(event!.attempt_log!.map((a) => [a.route, a.code])).toEqual([
      ["mistral-eu", code],
      ["mistral-global", "ok"],
    ]);
    expect(event!.cost_nano_usd).toBeGreaterThan(0);
  });

  it("streamed too: one answer, from the global route", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, stream: true, messages: prompt(marker, onEu({ status: 500 })) });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.match(/\[DONE\]/g)).toHaveLength(1);
    expect(receipt(res)).toEqual({ route: "mistral-global", region: "global", attempts: "2" });
    expect(await paths(marker)).toEqual([EU_PATH, GLOBAL_PATH]);
  });

  it("streamed, a route that keeps its stream alive with keep-alives but sends no content: cut at its first-byte timeout, the next route answers", async () => {
    const marker = tag();
    const call = await callWithLog("/v1/chat/completions", chatInit(consenting.key, { model: MISTRAL, stream: true, messages: prompt(marker, onEu({ pingOnlyMs: 50 })) }));
    expect(call.response.status).toBe(200);
    const text = await call.response.text();
    expect(text.match(/\[DONE\]/g)).toHaveLength(1);
    expect(receipt(call.response)).toEqual({ route: "mistral-global", region: "global", attempts: "2" });
    expect(await paths(marker)).toEqual([EU_PATH, GLOBAL_PATH]);
    const [event] = await call.settled();
    expect(event!.attempt_log!.map((a) => [a.route, a.code])).toEqual([
      ["mistral-eu", "upstream_stream_timeout"],
      ["mistral-global", "ok"],
    ]);
  });

  it("on /v1/messages too", async () => {
    const marker = tag();
    const res = await messages(consenting.key, { model: MISTRAL, max_tokens: 16, messages: prompt(marker, onEu({ status: 503 })) });
    expect(res.status).toBe(200);
    expect(receipt(res)).toEqual({ route: "mistral-global", region: "global", attempts: "2" });
  });

  it("no fallback on the client's own error on the EU route: the 400 as it is, one attempt", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, messages: prompt(marker, onEu({ status: 400 })) });
    expect(res.status).toBe(400);
    expect(res.headers.get("x-emby-attempts")).toBe("1");
    expect(await paths(marker)).toEqual([EU_PATH]);
  });

  it("an account without consent gets the EU route's error, never the global route's answer", async () => {
    const marker = tag();
    const res = await chat(nonConsenting.key, { model: MISTRAL, messages: prompt(marker, onEu({ status: 500 })) });
    expect(res.status).toBe(502);
    expect(await paths(marker)).toEqual([EU_PATH]);
  });

  it("provider.data_region 'eu' likewise", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, provider: { data_region: "eu" }, messages: prompt(marker, onEu({ status: 500 })) });
    expect(res.status).toBe(502);
    expect(await paths(marker)).toEqual([EU_PATH]);
  });

  it("allow_fallbacks false: the EU route's error, no second route", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, provider: { allow_fallbacks: false }, messages: prompt(marker, onEu({ status: 500 })) });
    expect(res.status).toBe(502);
    expect(await paths(marker)).toEqual([EU_PATH]);
  });

  it("a failing primary model falls to the next model, which answers and is billed", async () => {
    const marker = tag();
    const call = await callWithLog("/v1/chat/completions", chatInit(consenting.key, { model: "openai/gpt-4o-mini", models: [MISTRAL], messages: prompt(marker, { route: "openai", status: 500 }) }));
    expect(call.response.status).toBe(200);
    expect(((await call.response.json()) as { model: string }).model).toBe("mistral-small-latest");
    expect(receipt(call.response)).toEqual({ route: "mistral-eu", region: "eu", attempts: "2" });
    expect(await paths(marker)).toEqual(["/openai/v1/chat/completions", EU_PATH]);
    const [event] = await call.settled();
    expect(event).toMatchObject({ model: MISTRAL, route: "mistral-eu", attempts: 2 });
  });

  it("a short Retry-After retries the same route after the hint, which then answers", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, messages: prompt(marker, onEu({ status: 429, retryAfter: 1, times: 1, key: marker })) });
    expect(res.status).toBe(200);
    expect(receipt(res)).toEqual({ route: "mistral-eu", region: "eu", attempts: "2" });
    const seen = await upstreamRequests(marker);
    expect(seen.map((r) => r.path)).toEqual([EU_PATH, EU_PATH]);
    expect(seen[1]!.receivedAt - seen[0]!.receivedAt).toBeGreaterThanOrEqual(1_000);
  });
});

describe("retries on the upstream's hint", () => {
  it("a hint longer than the router waits moves on to the next route at once; every route rate-limited → 429 with the hint", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, messages: prompt(marker, { status: 429, retryAfter: 5 }) });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("5");
    expect(res.headers.get("x-emby-attempts")).toBe("2");
    expect(await paths(marker)).toEqual([EU_PATH, GLOBAL_PATH]);
  });

  it("a short hint retries the same route, within the attempts allowed", async () => {
    const marker = tag();
    const res = await chat(nonConsenting.key, { model: MISTRAL, messages: prompt(marker, { status: 503, retryAfter: 1 }) });
    expect(res.status).toBe(503);
    expect(res.headers.get("x-emby-attempts")).toBe("3");
    const seen = await upstreamRequests(marker);
    expect(seen.map((r) => r.path)).toEqual([EU_PATH, EU_PATH, EU_PATH]);
    // Each retry waited out the hint (1 s), whatever the machine's load.
    expect(seen[1]!.receivedAt - seen[0]!.receivedAt).toBeGreaterThanOrEqual(1_000);
    expect(seen[2]!.receivedAt - seen[1]!.receivedAt).toBeGreaterThanOrEqual(1_000);
  });
});

describe("a client that leaves", () => {
  it("before the first attempt: no attempt is logged, none reaches the upstream", async () => {
    const marker = tag();
    const controller = new AbortController();
    controller.abort();
    const call = await callWithLog("/v1/chat/completions", chatInit(consenting.key, { model: MISTRAL, messages: prompt(marker) }, { signal: controller.signal }));
    expect(call.response.status).toBe(499);
    const [event] = await call.settled();
    expect(event).toMatchObject({ status: 499, attempts: 0, attempt_log: [] });
    expect(await paths(marker)).toEqual([]);
  });

  it("during a retry wait: no further attempt, logged as 499 after one attempt, billed nothing", async () => {
    const marker = tag();
    const controller = new AbortController();
    // The only route (EU, no consent) asks for 2 s: the router waits before retrying it.
    const pending = callWithLog("/v1/chat/completions", chatInit(nonConsenting.key, { model: MISTRAL, messages: prompt(marker, { status: 503, retryAfter: 2 }) }, { signal: controller.signal }));
    await eventually(async () => (await upstreamRequests(marker)).some((r) => r.finishedAt !== null));
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    const { response, settled } = await pending;
    expect(response.status).toBe(499);
    const [event] = await settled();
    expect(event).toMatchObject({ status: 499, error_code: "client_closed_request", attempts: 1, cost_nano_usd: 0 });
    // Past the retry time: still the one request.
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    expect(await paths(marker)).toEqual([EU_PATH]);
  });
});

describe("a route whose breaker is open", () => {
  it("is skipped: the next route answers at once; with no route left, 503 routes_unavailable without an attempt", async () => {
    // Failures in a row on the EU route only (an account without consent has no other).
    for (let i = 0; i < BREAKER_DEFAULTS.failureThreshold; i++) {
      const res = await chat(nonConsenting.key, { model: MISTRAL, messages: prompt(tag(), { status: 500 }) });
      expect(res.headers.get("x-emby-attempts")).toBe("1");
    }
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, messages: prompt(marker) });
    expect(res.status).toBe(200);
    expect(receipt(res)).toEqual({ route: "mistral-global", region: "global", attempts: "1" });
    expect(await paths(marker)).toEqual([GLOBAL_PATH]);

    const none = tag();
    const refused = await chat(nonConsenting.key, { model: MISTRAL, messages: prompt(none) });
    expect(refused.status).toBe(503);
    expect((await errorOf(refused)).code).toBe("routes_unavailable");
    expect(refused.headers.get("retry-after")).not.toBeNull();
    expect(refused.headers.get("x-emby-attempts")).toBe("0");
    expect(await paths(none)).toEqual([]);
  });
});

describe("provider preferences", () => {
  it.each([
    [{ only: ["mistral-global"] }, [GLOBAL_PATH]],
    [{ ignore: ["mistral-eu"] }, [GLOBAL_PATH]],
    [{ order: ["mistral-global"] }, [GLOBAL_PATH]],
    [{ only: ["mistral"] }, [EU_PATH]],
  ])("%j steers Mistral between its endpoints", async (provider, expected) => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, provider, messages: prompt(marker) });
    expect(res.status).toBe(200);
    await res.text();
    expect(await paths(marker)).toEqual(expected);
    const endpoint = expected[0] === EU_PATH ? "mistral-eu" : "mistral-global";
    expect(receipt(res)).toMatchObject({ route: endpoint, region: endpoint === "mistral-eu" ? "eu" : "global" });
  });

  it("order puts a route first and keeps the others as fallbacks", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, provider: { order: ["mistral-global"] }, messages: prompt(marker, { status: 500 }) });
    expect(res.headers.get("x-emby-attempts")).toBe("2");
    expect(await paths(marker)).toEqual([GLOBAL_PATH, EU_PATH]);
  });

  it("allow_fallbacks false: the first route only", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, provider: { allow_fallbacks: false }, messages: prompt(marker, { status: 500 }) });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-emby-attempts")).toBe("1");
    expect(await paths(marker)).toEqual([EU_PATH]);
  });

  it("on /v1/messages too, and never sent upstream", async () => {
    const marker = tag();
    const res = await messages(consenting.key, { model: MISTRAL, max_tokens: 16, provider: { only: ["mistral-global"] }, messages: prompt(marker) });
    expect(res.status).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toBe(GLOBAL_PATH);
    expect(seen!.body).not.toHaveProperty("provider");
  });

  it("an unknown endpoint is a 400 naming the field", async () => {
    const res = await chat(consenting.key, { model: MISTRAL, provider: { only: ["mistral-moon"] }, messages: prompt(tag()) });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.param).toBe("provider.only[0]");
    expect(err.message).toContain("mistral-moon");
  });
});

describe("fallback models", () => {
  it("a primary with no route this account may use falls to the next model, which names itself in the answer", async () => {
    const marker = tag();
    const res = await chat(nonConsenting.key, { model: "openai/gpt-4o-mini", models: [MISTRAL], messages: prompt(marker) });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string };
    expect(body.model).toBe("mistral-small-latest");
    expect(receipt(res)).toEqual({ route: "mistral-eu", region: "eu", attempts: "1" });
    expect(await paths(marker)).toEqual([EU_PATH]);
  });

  it("on /v1/messages the answer names the fallback model's public id", async () => {
    const res = await messages(nonConsenting.key, { model: "anthropic/claude-haiku-4-5", models: [MISTRAL], max_tokens: 16, messages: prompt(tag()) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe(MISTRAL);
  });

  it("a failing primary falls to the next model after its own routes", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: "openai/gpt-4o-mini", models: [MISTRAL], messages: prompt(marker, { status: 500 }) });
    expect(res.status).toBe(502);
    expect(res.headers.get("x-emby-attempts")).toBe("3");
    expect(await paths(marker)).toEqual(["/openai/v1/chat/completions", EU_PATH, GLOBAL_PATH]);
  });

  it("a list repeating the model tries its routes once", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: MISTRAL, models: [MISTRAL], messages: prompt(marker, { status: 500 }) });
    expect(res.headers.get("x-emby-attempts")).toBe("2");
    expect(await paths(marker)).toEqual([EU_PATH, GLOBAL_PATH]);
  });

  it("a model the key may not use is a 403 naming its place in the body", async () => {
    const restricted = await newCustomer({ key: { models: [MISTRAL] } });
    const res = await chat(restricted.key, { model: MISTRAL, models: [MISTRAL, "openai/gpt-4o-mini"], messages: prompt(tag()) });
    expect(res.status).toBe(403);
    expect(await errorOf(res)).toMatchObject({ code: "model_not_allowed", param: "models[1]" });
  });

  it("an unknown fallback model is a 404 naming its place in the list", async () => {
    const res = await chat(consenting.key, { model: MISTRAL, models: ["mistral/mistral-large-latest", "acme/nothing"], messages: prompt(tag()) });
    expect(res.status).toBe(404);
    expect((await errorOf(res)).param).toBe("models[1]");
  });
});

describe("the log of a routed call", () => {
  it("records every attempt when all failed, and no answering route", async () => {
    const call = await callWithLog("/v1/chat/completions", chatInit(consenting.key, { model: MISTRAL, messages: prompt(tag(), { status: 500 }) }));
    expect(call.response.status).toBe(502);
    const [event] = await call.settled();
    expect(event).toMatchObject({ status: 502, route: null, data_region: null, attempts: 2, cost_nano_usd: 0 });
    expect(event!.attempt_log!.map((a) => [a.route, a.status, a.code])).toEqual([
      ["mistral-eu", 502, "upstream_error"],
      ["mistral-global", 502, "upstream_error"],
    ]);
  });

  it("names the fallback model that answered, its route and region", async () => {
    const call = await callWithLog("/v1/chat/completions", chatInit(nonConsenting.key, { model: "openai/gpt-4o-mini", models: [MISTRAL], messages: prompt(tag()) }));
    expect(call.response.status).toBe(200);
    await call.response.text();
    const [event] = await call.settled();
    expect(event).toMatchObject({ status: 200, model: MISTRAL, route: "mistral-eu", data_region: "eu", attempts: 1 });
    expect(event!.cost_nano_usd).toBeGreaterThan(0);
  });
});

describe("GET /v1/models", () => {
  it("lists each model's routes with endpoint, region and price, its regions and whether it needs consent", async () => {
    const res = await call("/v1/models", { headers: { authorization: `Bearer ${consenting.key}` } });
    const { data } = (await res.json()) as { data: Record<string, unknown>[] };
    const mistral = data.find((m) => m.id === MISTRAL)!;
    expect(mistral).toMatchObject({ data_region: "eu", data_regions: ["eu", "global"], requires_consent: false });
    expect(mistral.routes).toMatchObject([
      { endpoint: "mistral-eu", upstream_model: "mistral-small-latest", data_region: "eu", pricing: { prompt: 0.15, completion: 0.6, unit: "USD per 1M tokens" } },
      { endpoint: "mistral-global", upstream_model: "mistral-small-latest", data_region: "global", pricing: { prompt: 0.15, completion: 0.6 } },
    ]);
    // The Azure EU route is listed but not configured here, so the model needs consent.
    const gpt = data.find((m) => m.id === "openai/gpt-4o-mini")!;
    expect(gpt).toMatchObject({
      data_regions: ["us"],
      requires_consent: true,
      routes: [
        { endpoint: "azure-eu", data_region: "eu", available: false },
        { endpoint: "openai", data_region: "us", available: true },
      ],
    });
    for (const m of data) {
      const routes = m.routes as { data_region: string; available: boolean; context_length: number; max_output_tokens: number }[];
      const served = routes.filter((r) => r.available);
      expect(routes.length, String(m.id)).toBeGreaterThan(0);
      expect(m.requires_consent, String(m.id)).toBe(!served.some((r) => r.data_region === "eu"));
      expect(m.data_regions, String(m.id)).toEqual([...new Set(served.map((r) => r.data_region))]);
    }
  });
});

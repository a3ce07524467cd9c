import { describe, expect, it } from "vitest";
import { buildLogEvent, type RequestFacts, type ResponseFacts } from "../src/router/log-event";
import type { ModelEntry } from "../src/providers/types";
import type { AttemptRecord, CallRecord } from "../src/router/env";
import { SEED_CATALOGUE } from "../src/routing/catalogue";
import { logEventSchema } from "../src/shared/log-event";
import { fellBack, logEvent, longestRouting } from "./helpers/log-events";

const accepts = (value: unknown) => logEventSchema.safeParse(value).success;

describe("log event schema", () => {
  it("accepts a metadata-only event", () => {
    expect(accepts(logEvent())).toBe(true);
    expect(accepts(logEvent({ account_id: null, key_id: null, model: null, provider: null, upstream_model: null, attempts: 0, status: 401, error_code: "missing_api_key" }))).toBe(true);
  });

  it("rejects any field it does not define, so content cannot ride along", () => {
    expect(accepts({ ...logEvent(), prompt: "hello" })).toBe(false);
    expect(accepts({ ...logEvent(), error_message: "The model said: hello" })).toBe(false);
  });

  it("takes an error code, never a message", () => {
    expect(accepts(logEvent({ error_code: "upstream_error" }))).toBe(true);
    expect(accepts(logEvent({ error_code: "Invalid value for 'messages': please summarise my medical file" }))).toBe(false);
  });

  it("allows no free text in identifiers, models or locations", () => {
    expect(accepts(logEvent({ request_id: "req_tell me a secret" }))).toBe(false);
    expect(accepts(logEvent({ model: "openai/write a poem about my neighbour" }))).toBe(false);
    expect(accepts(logEvent({ upstream_model: "gpt 4o with a prompt" }))).toBe(false);
    expect(accepts(logEvent({ edge_location: "somewhere nice" }))).toBe(false);
    expect(accepts(logEvent({ ip: "my name is Alice" }))).toBe(false);
  });

  it("takes every upstream model id of the seed catalogue (an event it refused would never be sent)", () => {
    const ids = SEED_CATALOGUE.models.flatMap((m) => m.routes.map((r) => r.upstreamModel));
    expect(ids).toContain("anthropic/claude-haiku-4-5@20251001");
    for (const id of ids) {
      expect(accepts(logEvent({ upstream_model: id })), id).toBe(true);
      expect(accepts(logEvent({ attempts: 1, attempt_log: [{ route: "vertex-eu", upstream_model: id, code: "ok", status: 200, latency_ms: 1 }] })), id).toBe(true);
    }
  });

  it("bounds the user agent to printable ASCII", () => {
    expect(accepts(logEvent({ user_agent: "OpenAI/JS 7.57.0" }))).toBe(true);
    expect(accepts(logEvent({ user_agent: "x".repeat(257) }))).toBe(false);
    expect(accepts(logEvent({ user_agent: "line\nbreak" }))).toBe(false);
  });

  it("takes the routing record as endpoint ids, a region, codes and numbers, and events without it (older routers)", () => {
    expect(accepts(logEvent(fellBack()))).toBe(true);
    expect(accepts(logEvent(longestRouting()))).toBe(true);
    expect(accepts(logEvent({ attempts: 0, route: null, data_region: null, attempt_log: [] }))).toBe(true);
    const older = logEvent();
    expect(["route", "data_region", "attempt_log"].filter((k) => k in older)).toEqual([]);
    expect(accepts(older)).toBe(true);

    const [failed, answered] = fellBack().attempt_log!;
    const withAttempt = (entry: object) => logEvent({ ...fellBack(), attempt_log: [{ ...failed!, ...entry }, answered!] } as never);
    expect(accepts(withAttempt({ status: null }))).toBe(true);
    expect(accepts(withAttempt({ code: "The upstream said: here is your medical summary" }))).toBe(false);
    expect(accepts(withAttempt({ message: "upstream error text" }))).toBe(false);
    expect(accepts(withAttempt({ route: "OpenAI EU" }))).toBe(false);
    expect(accepts(withAttempt({ upstream_model: "gpt 4o with a prompt" }))).toBe(false);
    expect(accepts(withAttempt({ latency_ms: -1 }))).toBe(false);
    expect(accepts(logEvent({ ...fellBack(), route: "mistral eu" }))).toBe(false);
    expect(accepts(logEvent({ ...fellBack(), data_region: "eu-west" as never }))).toBe(false);
  });

  it("keeps the attempt count and the attempt log in step, at most ten", () => {
    expect(accepts(logEvent({ ...fellBack(), attempts: 1 }))).toBe(false);
    const eleven = [...longestRouting().attempt_log!, fellBack().attempt_log![1]!];
    expect(accepts(logEvent({ ...longestRouting(), attempts: 11, attempt_log: eleven }))).toBe(false);
  });

  it("requires consistent timings and whole, non-negative counts", () => {
    expect(accepts(logEvent({ latency_ms: 1 }))).toBe(false);
    expect(accepts(logEvent({ prompt_tokens: -1 }))).toBe(false);
    expect(accepts(logEvent({ cost_nano_usd: 1.5 }))).toBe(false);
    expect(accepts({ ...logEvent(), v: 2 })).toBe(false);
  });
});

describe("the status logged for a client that left before the response", () => {
  const request: RequestFacts = { requestId: "req_0123456789abcdef0123456789abcdef", method: "POST", path: "/v1/chat/completions", receivedAt: 1_000, auth: undefined, headers: new Headers(), cf: undefined };
  const gone = (status: number, errorCode: string | undefined): ResponseFacts => ({ status, errorCode, call: undefined, clientGoneEarly: true });

  it("keeps an error's status and code: a refused request stays refused", () => {
    for (const [status, code] of [
      [429, "tokens_limit_exceeded"],
      [401, "invalid_api_key"],
      [403, "consent_required"],
      [503, "limiter_unavailable"],
      [502, "upstream_error"],
    ] as const) {
      expect(buildLogEvent(request, gone(status, code), null, 1_100), code).toMatchObject({ status, error_code: code, client_aborted: true });
    }
  });

  it("turns only a success nobody received into 499 client_closed_request", () => {
    expect(buildLogEvent(request, gone(200, undefined), null, 1_100)).toMatchObject({ status: 499, error_code: "client_closed_request" });
    expect(buildLogEvent(request, gone(499, "client_closed_request"), null, 1_100)).toMatchObject({ status: 499, error_code: "client_closed_request" });
  });
});

describe("the routing record of a call", () => {
  const request: RequestFacts = { requestId: "req_0123456789abcdef0123456789abcdef", method: "POST", path: "/v1/chat/completions", receivedAt: 1_000, auth: undefined, headers: new Headers(), cf: undefined };
  const limits = { contextLength: 1_000_000, maxOutputTokens: 32_000 };
  const model: ModelEntry = {
    id: "openai/gpt-4.1",
    provider: "openai",
    name: "GPT-4.1",
    routes: [{ endpoint: "openai", upstreamModel: "gpt-4.1", region: "us", pricing: { prompt: 2, completion: 8 }, ...limits }],
    ...limits,
  };
  const euRoute = { endpoint: "openai-eu", upstreamModel: "gpt-4.1-2025-04-14", region: "eu" as const, pricing: { prompt: 3, completion: 12 }, ...limits };
  const attempt = (route: string, code: string, status: number | null, latencyMs: number, upstreamModel = "gpt-4.1"): AttemptRecord => ({ route, model: model.id, upstreamModel, code, status, latencyMs });
  const usage = { promptTokens: 1_000, completionTokens: 500, cachedTokens: 0, reasoningTokens: 0 };
  const completed = { usage, result: "completed" as const, firstByteAt: 1_300 };
  const respond = (call: CallRecord, status = 200, errorCode?: string): ResponseFacts => ({ status, errorCode, call, clientGoneEarly: false });

  it("logs the answering route, its region, upstream model and price, and every attempt in order", () => {
    const call: CallRecord = {
      model,
      route: euRoute,
      attempts: [attempt("openai", "upstream_unavailable", 503, 40), attempt("openai", "upstream_timeout", null, 10_000), attempt("openai-eu", "ok", 200, 299.6, euRoute.upstreamModel)],
      streamed: true,
      markupBps: 0,
    };
    const event = buildLogEvent(request, respond(call), completed, 11_000);
    expect(logEventSchema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({
      model: "openai/gpt-4.1",
      // The family, whichever endpoint served it.
      provider: "openai",
      upstream_model: "gpt-4.1-2025-04-14",
      route: "openai-eu",
      data_region: "eu",
      attempts: 3,
      // 1,000 × 3 + 500 × 12 USD per million tokens = 9,000 µUSD: the EU route's price, not the model's 2 / 8 (6,000 µUSD).
      cost_nano_usd: 9_000_000,
      streamed: true,
    });
    expect(event.attempt_log).toEqual([
      { route: "openai", upstream_model: "gpt-4.1", code: "upstream_unavailable", status: 503, latency_ms: 40 },
      { route: "openai", upstream_model: "gpt-4.1", code: "upstream_timeout", status: null, latency_ms: 10_000 },
      { route: "openai-eu", upstream_model: "gpt-4.1-2025-04-14", code: "ok", status: 200, latency_ms: 300 },
    ]);
  });

  it("logs no route when none answered, with the model's upstream model and price, and the failed attempts", () => {
    const call: CallRecord = { model, route: null, attempts: [attempt("openai", "upstream_unavailable", 503, 40), attempt("openai-eu", "upstream_unavailable", 503, 35)], streamed: false, markupBps: 0 };
    const event = buildLogEvent(request, respond(call, 503, "upstream_unavailable"), null, 1_200);
    expect(logEventSchema.safeParse(event).success).toBe(true);
    expect(event).toMatchObject({ route: null, data_region: null, upstream_model: "gpt-4.1", attempts: 2, status: 503, error_code: "upstream_unavailable", cost_nano_usd: 0 });
    expect(event.attempt_log!.map((a) => a.code)).toEqual(["upstream_unavailable", "upstream_unavailable"]);
    // A prompt billed without an answering route (the client left mid-attempt) is priced at the model's price.
    const prompt = { usage: { ...usage, completionTokens: 0 }, result: "client_aborted" as const, firstByteAt: null };
    expect(buildLogEvent(request, respond(call, 499, "client_closed_request"), prompt, 1_200).cost_nano_usd).toBe(2_000_000);
  });

  it("keeps the last ten attempts, the answering one among them, should a call make more", () => {
    const many = Array.from({ length: 12 }, (_, i) => attempt("openai", `failure_${i}`, 503, i));
    const call: CallRecord = { model, route: euRoute, attempts: [...many, attempt("openai-eu", "ok", 200, 5, euRoute.upstreamModel)], streamed: false, markupBps: 0 };
    const event = buildLogEvent(request, respond(call), completed, 1_500);
    expect(logEventSchema.safeParse(event).success).toBe(true);
    expect(event.attempts).toBe(10);
    expect(event.attempt_log!.map((a) => a.code)).toEqual([...many.slice(-9).map((a) => a.code), "ok"]);
  });

  it("logs a request without a call with no route and an empty attempt log", () => {
    const event = buildLogEvent({ ...request, method: "GET", path: "/v1/models" }, { status: 200, errorCode: undefined, call: undefined, clientGoneEarly: false }, null, 1_010);
    expect(event).toMatchObject({ attempts: 0, route: null, data_region: null, attempt_log: [], model: null, upstream_model: null });
  });
});

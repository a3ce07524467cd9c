import { describe, expect, it } from "vitest";
import { buildLogEvent, type RequestFacts, type ResponseFacts } from "../src/router/log-event";
import { logEventSchema } from "../src/shared/log-event";
import { logEvent } from "./helpers/log-events";

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

  it("bounds the user agent to printable ASCII", () => {
    expect(accepts(logEvent({ user_agent: "OpenAI/JS 7.57.0" }))).toBe(true);
    expect(accepts(logEvent({ user_agent: "x".repeat(257) }))).toBe(false);
    expect(accepts(logEvent({ user_agent: "line\nbreak" }))).toBe(false);
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

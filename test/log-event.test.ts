import { describe, expect, it } from "vitest";
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

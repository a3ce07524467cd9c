/**
 * What is checked before the full request schema, cheapest first: the content
 * type (415), the model id (404), the number of messages; and the bound on the
 * nesting depth of free-form JSON (tool schemas, structured-output schemas).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { CATALOGUE } from "../src/providers/catalogue";
import { MAX_CHAT_MESSAGES } from "../src/providers/chat-schema";
import { MAX_JSON_DEPTH } from "../src/providers/schema-guards";
import type { ProviderId } from "../src/providers/types";
import { messages } from "./helpers/messages";
import { call, chat, errorOf, newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const modelOf = (provider: ProviderId) => CATALOGUE.find((m) => m.provider === provider)!.id;

/** A JSON Schema whose object properties nest `levels` deep (two JSON levels each). */
function deepSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: "string" };
  for (let i = 0; i < levels; i++) schema = { type: "object", properties: { a: schema } };
  return schema;
}

/** The same as JSON text: JSON.stringify itself runs out of stack on thousands of levels. */
const deepSchemaText = (levels: number) => '{"type":"object","properties":{"a":'.repeat(levels) + '{"type":"string"}' + "}}".repeat(levels);

describe("content type", () => {
  const body = (marker: string) => JSON.stringify({ model: modelOf("mistral"), messages: [{ role: "user", content: marker }] });

  it.each(["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/jsonl"])(
    "answers 415 for a body sent as %s, without reading it as JSON",
    async (type) => {
      const marker = tag();
      const res = await chat(customer.key, body(marker), { "content-type": type });
      expect(res.status).toBe(415);
      const error = await errorOf(res);
      expect(error).toMatchObject({ type: "invalid_request_error", code: "unsupported_media_type" });
      expect(error.message).toContain("Content-Type: application/json");
      expect(await upstreamRequests(marker)).toHaveLength(0);
    },
  );

  it("answers 415 for a body with no Content-Type at all", async () => {
    const marker = tag();
    const res = await call("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${customer.key}` },
      // Bytes, not a string: a string body would be labelled text/plain by fetch.
      body: new TextEncoder().encode(body(marker)),
    });
    expect(res.status).toBe(415);
    expect(await upstreamRequests(marker)).toHaveLength(0);
  });

  it("accepts application/json with a charset, in any case", async () => {
    const res = await chat(customer.key, body(tag()), { "content-type": "Application/JSON; charset=utf-8" });
    expect(res.status).toBe(200);
  });

  it("answers 415 in Anthropic's shape on /v1/messages", async () => {
    const res = await messages(customer.key, { model: modelOf("anthropic"), max_tokens: 10, messages: [{ role: "user", content: "hi" }] }, { "content-type": "text/plain" });
    expect(res.status).toBe(415);
    const json = (await res.json()) as { type: string; error: { type: string; message: string } };
    expect(json).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(json.error.message).toContain("Content-Type: application/json");
  });
});

describe("cheap checks first", () => {
  it("answers 404 for an unknown model before validating the messages", async () => {
    const res = await chat(customer.key, { model: "openai/gpt-nonexistent", messages: [{ role: "wizard" }] });
    expect(res.status).toBe(404);
    expect(await errorOf(res)).toMatchObject({ code: "model_not_found", param: "model" });
    const anthropic = await messages(customer.key, { model: "anthropic/claude-nonexistent", max_tokens: 1, messages: [{ role: "wizard" }] });
    expect(anthropic.status).toBe(404);
  });

  it(`refuses more than ${MAX_CHAT_MESSAGES} messages, naming the field`, async () => {
    const marker = tag();
    const many = Array.from({ length: MAX_CHAT_MESSAGES + 1 }, () => ({ role: "user", content: marker }));
    const res = await chat(customer.key, { model: modelOf("mistral"), messages: many });
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "array_above_max_length", param: "messages" });
    expect(await upstreamRequests(marker)).toHaveLength(0);
    const atLimit = await chat(customer.key, { model: modelOf("mistral"), messages: many.slice(1) });
    expect(atLimit.status).toBe(200);
  });
});

describe("nesting depth of free-form JSON", () => {
  const tool = (parameters: unknown) => ({ type: "function", function: { name: "f", parameters } });

  it.each([
    ["tools[0].function.parameters", (schema: string) => `"tools":[{"type":"function","function":{"name":"f","parameters":${schema}}}]`],
    ["response_format.json_schema.schema", (schema: string) => `"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${schema}}}`],
  ])("refuses a 6,000-level schema in %s before it reaches the upstream", async (param, place) => {
    const marker = tag();
    const body = `{"model":"${modelOf("openai")}","messages":[{"role":"user","content":"${marker}"}],${place(deepSchemaText(3_000))}}`;
    const res = await chat(customer.key, body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: "nesting_too_deep", param });
    expect(error.message).toContain(`${MAX_JSON_DEPTH} levels`);
    expect(await upstreamRequests(marker)).toHaveLength(0);
  });

  it("accepts a schema just within the bound", async () => {
    // Nested levels * 2 JSON levels, plus the root object: MAX_JSON_DEPTH - 1 in all.
    const schema = deepSchema(MAX_JSON_DEPTH / 2 - 1);
    const res = await chat(customer.key, { model: modelOf("openai"), messages: [{ role: "user", content: "hi" }], tools: [tool(schema)] });
    expect(res.status, await res.clone().text()).toBe(200);
  });

  it("refuses a too-deep input_schema on /v1/messages", async () => {
    const marker = tag();
    const res = await messages(customer.key, {
      model: modelOf("anthropic"),
      max_tokens: 10,
      tools: [{ name: "f", input_schema: deepSchema(100) }],
      messages: [{ role: "user", content: marker }],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("tools[0].input_schema");
    expect(await upstreamRequests(marker)).toHaveLength(0);
  });

  it.each(["google", "anthropic"] as const)("refuses deeply nested tool-call arguments that the %s adapter would send on as an object", async (provider) => {
    const marker = tag();
    const args = '{"a":'.repeat(3_000) + "1" + "}".repeat(3_000);
    const call = { id: "call_1", type: "function", function: { name: "f", arguments: args } };
    const body = {
      model: modelOf(provider),
      messages: [{ role: "user", content: marker }, { role: "assistant", tool_calls: [call] }, { role: "tool", tool_call_id: "call_1", content: "ok" }],
    };
    const res = await chat(customer.key, body);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: "nesting_too_deep" });
    expect(await upstreamRequests(marker)).toHaveLength(0);
  });

  it("answers 400, not an error page, for a body nested 100,000 levels deep", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const res = await chat(customer.key, `{"model":"${modelOf("mistral")}","messages":${deep}}`);
    expect(res.status).toBe(400);
    expect((await errorOf(res)).param).toBe("messages[0]");
  });
});

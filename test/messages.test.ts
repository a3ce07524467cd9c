import { beforeAll, describe, expect, it } from "vitest";
import { newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";
import { anthropicEvents, messages, passthroughConversation } from "./helpers/messages";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const claude = "anthropic/claude-haiku-4-5";
const weatherTool = { name: "get_weather", description: "Weather", input_schema: { type: "object", properties: { city: { type: "string" } } } };

interface AnthropicMessage {
  type: string;
  content: { type: string; text?: string; id?: string; name?: string; input?: unknown; signature?: string; thinking?: string }[];
  stop_reason: string;
  usage: { input_tokens: number; output_tokens: number; cache_read_input_tokens: number };
}

interface AnthropicError {
  type: string;
  error: { type: string; message: string };
}

describe("POST /v1/messages to anthropic/* (pass-through)", () => {
  it("passes the request through with thinking, signatures and cache_control intact, swapping only the model", async () => {
    const marker = tag();
    const request = passthroughConversation(claude, marker);
    const res = await messages(customer.key, request);
    expect(res.status).toBe(200);
    const body = (await res.json()) as AnthropicMessage;
    expect(body.type).toBe("message");
    expect(body.content.map((b) => b.type)).toEqual(["thinking", "text"]);
    expect(body.content[0]!.signature).toMatch(/^sig-/);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body).toEqual({ ...request, model: "claude-haiku-4-5" });
    expect(seen!.headers["x-api-key"]).toBe("router-anthropic-credential");
    expect(seen!.headers["anthropic-version"]).toBe("2023-06-01");
  });

  it("accepts the current SDK's Bearer auth and 2026-10-21, and speaks that version upstream", async () => {
    const marker = tag();
    const res = await messages(customer.key, { model: claude, max_tokens: 50, messages: [{ role: "user", content: marker }] }, {
      "x-api-key": "",
      authorization: `Bearer ${customer.key}`,
      "anthropic-version": "2026-10-21",
    });
    expect(res.status).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.headers["anthropic-version"]).toBe("2026-10-21");
    expect(seen!.headers.authorization).toBe("Bearer router-anthropic-credential");
    expect(seen!.headers["x-api-key"]).toBeUndefined();
  });

  it("answers 400 in Anthropic's shape for temperature on 2026-10-21, before calling upstream", async () => {
    const marker = tag();
    const res = await messages(customer.key, { model: claude, max_tokens: 50, temperature: 0.2, messages: [{ role: "user", content: marker }] }, { "anthropic-version": "2026-10-21" });
    expect(res.status).toBe(400);
    const body = (await res.json()) as AnthropicError;
    expect(body.type).toBe("error");
    expect(body.error.type).toBe("invalid_request_error");
    expect(body.error.message).toContain("temperature");
    expect(await upstreamRequests(marker)).toHaveLength(0);
    const old = await messages(customer.key, { model: claude, max_tokens: 50, temperature: 0.2, messages: [{ role: "user", content: "x" }] });
    expect(old.status).toBe(200);
  });

  it("streams Anthropic's events through unchanged", async () => {
    const res = await messages(customer.key, { model: claude, max_tokens: 50, stream: true, messages: [{ role: "user", content: "hi" }] });
    const events = await anthropicEvents(res);
    expect(events.map((e) => e.event)).toEqual([
      "message_start", "ping", "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop",
    ]);
    for (const e of events) expect(e.data.type).toBe(e.event);
  });

  it("uses Anthropic's error shape for auth, validation, unknown model and upstream errors", async () => {
    const cases: [Promise<Response>, number, string][] = [
      [messages("emby_sk_bad", { model: claude, max_tokens: 5, messages: [{ role: "user", content: "x" }] }), 401, "authentication_error"],
      [messages(customer.key, { model: claude, messages: [{ role: "user", content: "x" }] }), 400, "invalid_request_error"],
      [messages(customer.key, { model: "anthropic/nope", max_tokens: 5, messages: [{ role: "user", content: "x" }] }), 404, "not_found_error"],
      [messages(customer.key, { model: claude, max_tokens: 5, messages: [{ role: "user", content: 'fake:{"status":529}' }] }), 503, "overloaded_error"],
      [messages(customer.key, { model: claude, max_tokens: 5, messages: [{ role: "user", content: "x" }] }, { "anthropic-version": "1999-01-01" }), 400, "invalid_request_error"],
    ];
    for (const [pending, status, type] of cases) {
      const res = await pending;
      expect(res.status).toBe(status);
      const body = (await res.json()) as AnthropicError;
      expect(body).toMatchObject({ type: "error", error: { type } });
      expect(res.headers.get("x-request-id")).toMatch(/^req_/);
    }
  });

  it("rejects unknown top-level fields", async () => {
    const res = await messages(customer.key, { model: claude, max_tokens: 5, messages: [{ role: "user", content: "x" }], mcp_servers: [] });
    expect(res.status).toBe(400);
  });
});

describe("POST /v1/messages to other providers (translated)", () => {
  for (const model of ["openai/gpt-4o-mini", "openai/gpt-6-luna", "mistral/mistral-small-latest"]) {
    it(`${model}: a Messages request becomes a chat request, and the answer a Message`, async () => {
      const marker = tag();
      const res = await messages(customer.key, { model, max_tokens: 64, system: "Be brief.", messages: [{ role: "user", content: marker }], stop_sequences: ["END"] });
      expect(res.status).toBe(200);
      const body = (await res.json()) as AnthropicMessage & { model: string };
      expect(body).toMatchObject({ type: "message", model, stop_reason: "end_turn", content: [{ type: "text", text: "Hello from the fake upstream." }] });
      expect(body.usage.input_tokens).toBeGreaterThan(0);
      expect(body.usage.output_tokens).toBeGreaterThan(0);
      const [seen] = await upstreamRequests(marker);
      expect(seen!.body).toMatchObject({ stop: ["END"], messages: [{ role: "system", content: "Be brief." }, { role: "user", content: [{ type: "text", text: marker }] }] });
      // OpenAI gets max_completion_tokens (its reasoning models reject max_tokens); Mistral knows only max_tokens.
      const [sent, dropped] = model.startsWith("openai/") ? ["max_completion_tokens", "max_tokens"] : ["max_tokens", "max_completion_tokens"];
      expect(seen!.body).toMatchObject({ [sent]: 64 });
      expect(seen!.body).not.toHaveProperty(dropped);
    });

    it(`${model}: streams as Anthropic events with usage in message_delta`, async () => {
      const events = await anthropicEvents(await messages(customer.key, { model, max_tokens: 64, stream: true, messages: [{ role: "user", content: "hi" }] }));
      expect(events[0]!.event).toBe("message_start");
      expect(events.at(-1)!.event).toBe("message_stop");
      const text = events.filter((e) => e.event === "content_block_delta").map((e) => (e.data.delta as { text: string }).text).join("");
      expect(text).toBe("Hello from the fake upstream.");
      const delta = events.find((e) => e.event === "message_delta")!.data as unknown as { delta: { stop_reason: string }; usage: { input_tokens: number; output_tokens: number } };
      expect(delta.delta.stop_reason).toBe("end_turn");
      expect(delta.usage.input_tokens).toBeGreaterThan(0);
      expect(delta.usage.output_tokens).toBeGreaterThan(0);
    });
  }

  it("round-trips tool use through a translated provider, streaming tool input as JSON deltas", async () => {
    const model = "mistral/mistral-small-latest";
    const first = (await (await messages(customer.key, { model, max_tokens: 64, tools: [weatherTool], messages: [{ role: "user", content: "weather?" }] })).json()) as AnthropicMessage;
    expect(first.stop_reason).toBe("tool_use");
    const use = first.content.find((b) => b.type === "tool_use")!;
    expect(use).toMatchObject({ name: "get_weather", input: { city: "Paris" } });
    const marker = tag();
    const second = await messages(customer.key, {
      model,
      max_tokens: 64,
      tools: [weatherTool],
      messages: [
        { role: "user", content: marker },
        { role: "assistant", content: [use] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "sunny" }] },
      ],
    });
    expect(((await second.json()) as AnthropicMessage).content[0]!.text).toBe("Hello from the fake upstream.");
    const [seen] = await upstreamRequests(marker);
    expect((seen!.body.messages as unknown[]).slice(1)).toEqual([
      { role: "assistant", content: null, tool_calls: [{ id: use.id, type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
      { role: "tool", content: "sunny", tool_call_id: use.id },
    ]);
    const events = await anthropicEvents(await messages(customer.key, { model, max_tokens: 64, stream: true, tools: [weatherTool], messages: [{ role: "user", content: "weather?" }] }));
    const start = events.find((e) => e.event === "content_block_start" && (e.data.content_block as { type: string }).type === "tool_use")!;
    expect(start.data.content_block).toMatchObject({ name: "get_weather" });
    const json = events.filter((e) => e.event === "content_block_delta").map((e) => (e.data.delta as { partial_json?: string }).partial_json ?? "").join("");
    expect(JSON.parse(json)).toEqual({ city: "Paris" });
    expect((events.find((e) => e.event === "message_delta")!.data.delta as { stop_reason: string }).stop_reason).toBe("tool_use");
  });

  it("answers 400 for top_k on a model that cannot honour it", async () => {
    const res = await messages(customer.key, { model: "openai/gpt-4o-mini", max_tokens: 5, top_k: 5, messages: [{ role: "user", content: "x" }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as AnthropicError).error.message).toContain("top_k");
  });
});

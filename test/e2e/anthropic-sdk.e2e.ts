/**
 * End-to-end: the official Anthropic SDK (Bearer auth, anthropic-version
 * 2026-10-21) against /v1/messages under `wrangler dev`, for a model of every
 * provider: pass-through for anthropic/*, translation for the others.
 */
import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E_MODELS } from "../../scripts/stack.ts";
import { startE2EStack, type E2EStack } from "./e2e-stack.ts";

let e2e: E2EStack;
let client: Anthropic;

beforeAll(async () => {
  e2e = await startE2EStack("anthropic");
  client = new Anthropic({ apiKey: e2e.key, baseURL: e2e.stack.url, maxRetries: 0 });
});

afterAll(() => e2e?.stop());

/** One model of every provider; the openai-sdk e2e checks the list covers the catalogue. */
const MODELS = E2E_MODELS;
const weatherTool: Anthropic.Tool = { name: "get_weather", description: "Current weather", input_schema: { type: "object", properties: { city: { type: "string" } } } };

describe("official @anthropic-ai/sdk against /v1/messages", () => {
  for (const model of MODELS) {
    it(`${model}: message with usage`, async () => {
      const message = await client.messages.create({ model, max_tokens: 64, messages: [{ role: "user", content: "Hello" }] });
      expect(message.content).toEqual([expect.objectContaining({ type: "text", text: "Hello from the fake upstream." })]);
      expect(message.stop_reason).toBe("end_turn");
      expect(message.usage.input_tokens).toBeGreaterThan(0);
      expect(message.usage.output_tokens).toBeGreaterThan(0);
    });

    it(`${model}: streamed message, assembled by the SDK`, async () => {
      const stream = client.messages.stream({ model, max_tokens: 64, messages: [{ role: "user", content: 'fake:{"chunks":4,"chunkDelayMs":20}' }] });
      const deltas: string[] = [];
      stream.on("text", (text) => deltas.push(text));
      const message = await stream.finalMessage();
      expect(deltas.join("")).toBe("Hello from the fake upstream.");
      expect(deltas.length).toBeGreaterThanOrEqual(4);
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      expect(message.usage.input_tokens).toBeGreaterThan(0);
    });

    it(`${model}: tool-use round trip`, async () => {
      const first = await client.messages.create({ model, max_tokens: 256, tools: [weatherTool], messages: [{ role: "user", content: "Weather in Paris?" }] });
      expect(first.stop_reason).toBe("tool_use");
      const use = first.content.find((b): b is Anthropic.ToolUseBlock => b.type === "tool_use")!;
      expect(use.input).toEqual({ city: "Paris" });
      const second = await client.messages.create({
        model,
        max_tokens: 256,
        tools: [weatherTool],
        messages: [
          { role: "user", content: "Weather in Paris?" },
          { role: "assistant", content: first.content },
          { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "18C, sunny" }] },
        ],
      });
      expect(second.content.find((b) => b.type === "text")).toMatchObject({ text: "Hello from the fake upstream." });
      expect(second.usage.input_tokens).toBeGreaterThan(first.usage.input_tokens);
    });
  }

  it("surfaces errors as SDK errors in Anthropic's shape", async () => {
    await expect(client.messages.create({ model: "anthropic/nope", max_tokens: 5, messages: [{ role: "user", content: "x" }] })).rejects.toBeInstanceOf(Anthropic.NotFoundError);
  });
});

describe("routing, through the official Anthropic SDK", () => {
  it("a /v1/messages stream whose EU route fails before its first byte is answered by the next route; the receipts say so", async () => {
    const marker = `routing-${crypto.randomUUID()}`;
    const { data: stream, response } = await client.messages
      .create({
        model: "mistral/mistral-small-latest",
        max_tokens: 64,
        stream: true,
        messages: [{ role: "user", content: `${marker} fake:{"status":529,"route":"mistral"}` }],
      })
      .withResponse();
    expect(response.headers.get("x-emby-route")).toBe("mistral-global");
    expect(response.headers.get("x-emby-attempts")).toBe("2");
    let text = "";
    for await (const event of stream) if (event.type === "content_block_delta" && event.delta.type === "text_delta") text += event.delta.text;
    expect(text).toBe("Hello from the fake upstream.");
    const records = (await (await fetch(`${e2e.stack.fake!.url}/__requests?tag=${encodeURIComponent(marker)}`)).json()) as { requests: { label: string }[] };
    expect(records.requests.map((r) => r.label)).toEqual(["mistral", "mistral-global"]);
  });
});

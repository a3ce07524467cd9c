/**
 * End-to-end: the real router under `wrangler dev` (workerd, local D1 migrated
 * by wrangler) against the fake upstream, driven by the official OpenAI SDK.
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { E2E_MODELS } from "../../scripts/stack.ts";
import { startE2EStack, type E2EStack } from "./e2e-stack.ts";

let e2e: E2EStack;
let client: OpenAI;

beforeAll(async () => {
  e2e = await startE2EStack("openai");
  client = new OpenAI({ apiKey: e2e.key, baseURL: `${e2e.stack.url}/v1`, maxRetries: 0 });
});

afterAll(() => e2e?.stop());

/** One model of every provider; a test below checks the list covers the catalogue. */
const MODELS = E2E_MODELS;

const weatherTool: OpenAI.ChatCompletionTool = {
  type: "function",
  function: { name: "get_weather", description: "Current weather", parameters: { type: "object", properties: { city: { type: "string" } } } },
};

describe("official openai SDK against wrangler dev", () => {
  it("lists models, and the e2e models cover every provider", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids).toEqual(expect.arrayContaining(MODELS));
    const providers = new Set(ids.map((id) => id.split("/")[0]));
    expect(new Set(MODELS.map((id) => id.split("/")[0]))).toEqual(providers);
  });

  it("retrieves a model by its id, which the SDK sends with '/' percent-encoded", async () => {
    const model = await client.models.retrieve("mistral/mistral-small-latest");
    expect(model).toMatchObject({ id: "mistral/mistral-small-latest", object: "model" });
  });

  for (const model of MODELS) {
    it(`${model}: non-streaming completion with usage`, async () => {
      const completion = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Hello" }] });
      expect(completion.choices[0]!.message.content).toBe("Hello from the fake upstream.");
      expect(completion.usage!.prompt_tokens).toBeGreaterThan(0);
      expect(completion.usage!.completion_tokens).toBeGreaterThan(0);
    });

    it(`${model}: tool-call round trip`, async () => {
      const first = await client.chat.completions.create({ model, messages: [{ role: "user", content: "Weather in Paris?" }], tools: [weatherTool] });
      const message = first.choices[0]!.message;
      expect(first.choices[0]!.finish_reason).toBe("tool_calls");
      const call = message.tool_calls![0]!;
      expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({ city: "Paris" });
      const second = await client.chat.completions.create({
        model,
        tools: [weatherTool],
        messages: [{ role: "user", content: "Weather in Paris?" }, message, { role: "tool", tool_call_id: call.id, content: "18C, sunny" }],
      });
      expect(second.choices[0]!.message.content).toBe("Hello from the fake upstream.");
      expect(second.usage!.prompt_tokens).toBeGreaterThan(first.usage!.prompt_tokens);
    });

    it(`${model}: streaming completion, chunk by chunk, usage when asked`, async () => {
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: "user", content: 'fake:{"chunks":4,"chunkDelayMs":20}' }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const arrivals: number[] = [];
      let text = "";
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of stream) {
        const delta = chunk.choices[0]?.delta.content;
        if (delta) {
          text += delta;
          arrivals.push(Date.now());
        }
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text).toBe("Hello from the fake upstream.");
      expect(arrivals).toHaveLength(4);
      // Chunks 20 ms apart upstream arrive spread out, not all at once at the end.
      expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(40);
      expect(usage!.completion_tokens).toBeGreaterThan(0);
    });
  }

  it("surfaces router errors as SDK errors with status and code", async () => {
    const err = await client.chat.completions.create({ model: "openai/does-not-exist", messages: [{ role: "user", content: "x" }] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as InstanceType<typeof OpenAI.NotFoundError>).code).toBe("model_not_found");
    const bad = new OpenAI({ apiKey: "emby_sk_wrong", baseURL: client.baseURL, maxRetries: 0 });
    await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});

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

/** Lets the fake upstream send its next gated chunk (see `gate` in test/fake-upstream/scenario.ts). */
async function releaseGate(id: string): Promise<void> {
  await (await fetch(`${e2e.stack.fake!.url}/__release/${encodeURIComponent(id)}`, { method: "POST" })).text();
}

/** Yields what `source` yields; fails when the next item takes longer than `ms` (a stalled stream), instead of hanging. */
async function* failOnStall<T>(source: AsyncIterable<T>, ms: number): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stalled = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`stream stalled: nothing for ${ms} ms after releasing the next chunk (a chunk was held back)`)), ms);
    });
    const next = await Promise.race([iterator.next(), stalled]).finally(() => clearTimeout(timer));
    if (next.done) return;
    yield next.value;
  }
}

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

    it(`${model}: streaming completion, relayed chunk by chunk, usage when asked`, async () => {
      // The fake upstream sends content chunk n only once the client has received
      // chunk n-1 (it releases the gate below). A router that buffered or coalesced
      // chunks would hold chunk n-1 back and the stream would stall, whatever the
      // machine's load: no wall-clock comparison needed.
      const gate = `gate-${crypto.randomUUID()}`;
      const stream = await client.chat.completions.create({
        model,
        messages: [{ role: "user", content: `fake:{"chunks":4,"gate":"${gate}"}` }],
        stream: true,
        stream_options: { include_usage: true },
      });
      const deltas: string[] = [];
      let usage: OpenAI.CompletionUsage | null | undefined;
      for await (const chunk of failOnStall(stream, 20_000)) {
        const delta = chunk.choices[0]?.delta.content;
        if (delta) {
          deltas.push(delta);
          await releaseGate(`${gate}-${deltas.length}`);
        }
        if (chunk.usage) usage = chunk.usage;
      }
      expect(deltas.join("")).toBe("Hello from the fake upstream.");
      expect(deltas).toHaveLength(4);
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

describe("routing, through the official openai SDK", () => {
  /** Which fake endpoints (path labels) saw requests carrying this marker. */
  async function labels(marker: string): Promise<string[]> {
    const res = await fetch(`${e2e.stack.fake!.url}/__requests?tag=${encodeURIComponent(marker)}`);
    const { requests } = (await res.json()) as { requests: { label: string }[] };
    return requests.map((r) => r.label);
  }

  it("falls back from the EU route to the next one before the first byte; the receipts say so", async () => {
    const marker = `routing-${crypto.randomUUID()}`;
    const { data, response } = await client.chat.completions
      .create({ model: "mistral/mistral-small-latest", messages: [{ role: "user", content: `${marker} fake:{"status":503,"route":"mistral"}` }] })
      .withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(response.headers.get("x-emby-route")).toBe("mistral-global");
    expect(response.headers.get("x-emby-data-region")).toBe("global");
    expect(response.headers.get("x-emby-attempts")).toBe("2");
    expect(await labels(marker)).toEqual(["mistral", "mistral-global"]);
  });

  it("a stream whose first event is an upstream error is answered by the next route, as one clean stream", async () => {
    const marker = `routing-${crypto.randomUUID()}`;
    const stream = await client.chat.completions.create({
      model: "mistral/mistral-small-latest",
      stream: true,
      messages: [{ role: "user", content: `${marker} fake:{"streamError":"first","route":"mistral"}` }],
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Hello from the fake upstream.");
    expect(await labels(marker)).toEqual(["mistral", "mistral-global"]);
  });

  it("provider.data_region 'eu' never leaves the EU, even when the EU route fails", async () => {
    const marker = `routing-${crypto.randomUUID()}`;
    const request = {
      model: "mistral/mistral-small-latest",
      messages: [{ role: "user" as const, content: `${marker} fake:{"status":503,"route":"mistral"}` }],
      // OpenRouter's routing field: the SDK sends body fields it does not know as they are.
      provider: { data_region: "eu" },
    };
    const error = await client.chat.completions.create(request as OpenAI.ChatCompletionCreateParamsNonStreaming).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect(await labels(marker)).toEqual(["mistral"]);
  });
});

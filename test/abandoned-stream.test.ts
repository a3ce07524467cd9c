/**
 * A stream the client abandons before the provider's final usage is billed,
 * and counted against the token limit, for what was generated: completion
 * tokens counted from the text produced (OpenAI's tokenizer for OpenAI models,
 * ~4 characters per token otherwise), prompt tokens from the provider if it
 * reported them, else from the estimate made at admission; the record says the
 * usage is estimated. One case per distinct stream code path.
 */
import { env } from "cloudflare:workers";
import { countTokens } from "gpt-tokenizer/encoding/o200k_base";
import { describe, expect, it } from "vitest";
import { writeEvents } from "../src/logger/consumer";
import { CATALOGUE } from "../src/providers/catalogue";
import type { ProviderId } from "../src/providers/types";
import type { LogEvent } from "../src/shared/log-event";
import { callWithLog, chatInit, readBody } from "./helpers/log-capture";
import { eventually, limiterStub } from "./helpers/limiter";
import { call, newCustomer, type Customer } from "./helpers/router";
import { preloadTokenizer } from "./helpers/tokenizer";

preloadTokenizer();

/** 30 words of 4 characters: with 30 chunks, the fake upstream sends one word per chunk. */
const WORDS = Array.from({ length: 30 }, (_, i) => `w${String(i).padStart(2, "0")} `);
const READ_WORDS = 24;

interface Path {
  name: string;
  model: string;
  route: "/v1/chat/completions" | "/v1/messages" | "/v1/responses";
  /** Whether the provider reports prompt tokens before the end of the stream. */
  promptReported: boolean;
}

/** A catalogue model of the provider (any: the stream code path is per provider). */
const modelOf = (provider: ProviderId) => CATALOGUE.find((m) => m.provider === provider)!.id;

const PATHS: Path[] = [
  { name: "OpenAI (usage only at the end; counted with OpenAI's tokenizer)", model: modelOf("openai"), route: "/v1/chat/completions", promptReported: false },
  { name: "Mistral (usage on the final chunk)", model: modelOf("mistral"), route: "/v1/chat/completions", promptReported: false },
  { name: "Anthropic translated to OpenAI chunks", model: modelOf("anthropic"), route: "/v1/chat/completions", promptReported: true },
  { name: "Anthropic passed through on /v1/messages", model: modelOf("anthropic"), route: "/v1/messages", promptReported: true },
  { name: "Gemini translated to OpenAI chunks", model: modelOf("google"), route: "/v1/chat/completions", promptReported: true },
  { name: "Mistral re-shaped for /v1/messages", model: modelOf("mistral"), route: "/v1/messages", promptReported: false },
  { name: "Mistral re-shaped for /v1/responses", model: modelOf("mistral"), route: "/v1/responses", promptReported: false },
  { name: "Anthropic re-shaped for /v1/responses", model: modelOf("anthropic"), route: "/v1/responses", promptReported: true },
];

function init(path: Path, customer: Customer, prompt: string, signal: AbortSignal): RequestInit {
  const body = { model: path.model, stream: true, max_tokens: 500, messages: [{ role: "user", content: prompt }] };
  if (path.route === "/v1/chat/completions") return chatInit(customer.key, body, { signal });
  if (path.route === "/v1/responses") {
    const request = { model: path.model, stream: true, max_output_tokens: 500, input: prompt };
    return { method: "POST", headers: { authorization: `Bearer ${customer.key}`, "content-type": "application/json" }, body: JSON.stringify(request), signal };
  }
  return { method: "POST", headers: { "x-api-key": customer.key, "anthropic-version": "2023-06-01", "content-type": "application/json" }, body: JSON.stringify(body), signal };
}

/** Reads until the word numbered `count - 1` has arrived, then disconnects. */
async function readWordsThenAbort(response: Response, controller: AbortController, count: number): Promise<void> {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (!text.includes(WORDS[count - 1]!.trim())) {
    const { done, value } = await reader.read();
    if (done) throw new Error("the stream ended before the client left");
    text += decoder.decode(value, { stream: true });
  }
  controller.abort();
  await reader.cancel().catch(() => {});
}

/** Completion tokens of the first m words, as the router counts them for this model. */
const counted = (model: string, m: number) => (model.startsWith("openai/") ? countTokens(WORDS.slice(0, m).join("")) : Math.ceil((m * 4) / 4));

async function abandon(path: Path, chunkDelayMs: number): Promise<{ event: LogEvent; customer: Customer }> {
  const customer = await newCustomer();
  const controller = new AbortController();
  const prompt = `fake:{"chunks":30,"chunkDelayMs":${chunkDelayMs},"reply":"${WORDS.join("")}"}`;
  const made = await callWithLog(path.route, init(path, customer, prompt, controller.signal));
  expect(made.response.status).toBe(200);
  await readWordsThenAbort(made.response, controller, READ_WORDS);
  const events = await made.settled();
  expect(events).toHaveLength(1);
  return { event: events[0]!, customer };
}

describe("an abandoned stream is billed for what was generated", () => {
  // 24 chunks 150 ms apart take 3.6 s by themselves: more than the default 5 s leaves room for a loaded machine.
  it("the reported case: 30 chunks 150 ms apart, 24 read, then abort: tokens, cost and the limiter all count it", { timeout: 15_000 }, async () => {
    const path = PATHS[0]!;
    const { event, customer } = await abandon(path, 150);
    expect(event).toMatchObject({ client_aborted: true, usage_estimated: true, streamed: true, status: 200 });
    expect(event.prompt_tokens).toBeGreaterThan(0);
    expect(event.completion_tokens).toBeGreaterThanOrEqual(counted(path.model, READ_WORDS));
    expect(event.cost_nano_usd).toBeGreaterThan(0);

    // The limiter settled the lease to the same usage.
    await eventually(async () => (await limiterStub(customer.accountId).snapshot()).tokens === event.prompt_tokens + event.completion_tokens);

    // And /v1/generation shows it, marked estimated.
    await writeEvents(env, [event], Date.now());
    const res = await call(`/v1/generation?id=${event.request_id}`, { headers: { authorization: `Bearer ${customer.key}` } });
    const { data } = (await res.json()) as { data: { usage_estimated: boolean; cancelled: boolean; usage: { prompt_tokens: number; completion_tokens: number } } };
    expect(data).toMatchObject({ usage_estimated: true, cancelled: true, usage: { prompt_tokens: event.prompt_tokens, completion_tokens: event.completion_tokens } });
  });

  for (const path of PATHS) {
    it(`${path.name}: completion counted from the words generated, prompt ${path.promptReported ? "as reported" : "from the admission estimate"}`, async () => {
      const { event, customer } = await abandon(path, 25);
      expect(event).toMatchObject({ client_aborted: true, usage_estimated: true });
      // The relay may have read a word or two past what the client took, never the whole reply.
      const candidates = Array.from({ length: WORDS.length - READ_WORDS }, (_, i) => counted(path.model, READ_WORDS + i));
      expect(candidates).toContain(event.completion_tokens);
      if (!path.promptReported) {
        // The admission estimate: 4 per message + ~4 characters per token.
        const prompt = `fake:{"chunks":30,"chunkDelayMs":25,"reply":"${WORDS.join("")}"}`;
        expect(event.prompt_tokens).toBeGreaterThanOrEqual(Math.ceil(prompt.length / 4));
      } else expect(event.prompt_tokens).toBeGreaterThan(0);
      expect(event.cost_nano_usd).toBeGreaterThan(0);
      await eventually(async () => (await limiterStub(customer.accountId).snapshot()).tokens === event.prompt_tokens + event.completion_tokens);
    });
  }

  it("a stream read to its end keeps the provider's usage, not marked estimated", async () => {
    const customer = await newCustomer();
    const made = await callWithLog("/v1/chat/completions", chatInit(customer.key, { model: "openai/gpt-4o-mini", stream: true, messages: [{ role: "user", content: "hi" }] }));
    await readBody(made.response);
    const [event] = await made.settled();
    expect(event).toMatchObject({ client_aborted: false, usage_estimated: false });
    expect(event!.completion_tokens).toBeGreaterThan(0);
  });
});

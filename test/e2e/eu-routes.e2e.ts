/**
 * End-to-end: an account that never consented to processing outside the EU
 * uses a GPT, a Claude, a Gemini and a Mistral model through the official
 * SDKs, and every one answers through an EU-hosted route (OpenAI's EU data
 * residency, Azure OpenAI's EU data zone, Vertex AI's `eu` multi-region,
 * Mistral's EU endpoint). The fake upstream's records show which endpoints
 * were contacted: none outside the EU, for this whole stack's life.
 */
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startE2EStack, type E2EStack } from "./e2e-stack.ts";

let e2e: E2EStack;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  e2e = await startE2EStack("eu-routes", { consent: false });
  openai = new OpenAI({ apiKey: e2e.key, baseURL: `${e2e.stack.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: e2e.key, baseURL: e2e.stack.url, maxRetries: 0 });
});

afterAll(() => e2e?.stop());

/** The fake's endpoint labels (scripts/stack.ts, fakeProviderVars) that process in the EU. */
const EU_LABELS = new Set(["openai-eu", "azure-eu", "vertex-eu", "mistral", "google-oauth"]);

interface Recorded {
  label: string;
  path: string;
}

async function recorded(marker = ""): Promise<Recorded[]> {
  const res = await fetch(`${e2e.stack.fake!.url}/__requests?tag=${encodeURIComponent(marker)}`);
  return ((await res.json()) as { requests: Recorded[] }).requests;
}

/** Served by Azure OpenAI's EU data zone (AZURE_FAKE_DEPLOYMENTS) and by OpenAI's EU data residency. */
const GPT = "openai/gpt-4o-mini";
const TERRA = "openai/gpt-6.1-terra";
const CLAUDE = "anthropic/claude-sonnet-5-5";
// A seed Gemini model with a Vertex AI eu route (src/providers/catalogue/google.ts).
const GEMINI = "google/gemini-3.1-flash-lite";
const MISTRAL = "mistral/mistral-small-latest";

describe("an account without consent to non-EU processing, through the official SDKs", () => {
  it("lists every model family with an EU route on /v1/models", async () => {
    const models = new Map<string, { routes: { endpoint: string; data_region: string }[] }>();
    for await (const model of openai.models.list()) models.set(model.id, model as unknown as { routes: { endpoint: string; data_region: string }[] });
    for (const [id, endpoint] of [[TERRA, "openai-eu"], [GPT, "azure-eu"], [CLAUDE, "vertex-eu"], [GEMINI, "vertex-eu"], [MISTRAL, "mistral-eu"]] as const) {
      expect(models.get(id)?.routes).toContainEqual(expect.objectContaining({ endpoint, data_region: "eu" }));
    }
  });

  it.each([GPT, TERRA, GEMINI, MISTRAL, CLAUDE])("%s answers a chat completion through an EU route, streamed and not", async (model) => {
    const marker = `eu-${crypto.randomUUID()}`;
    const { data, response } = await openai.chat.completions.create({ model, messages: [{ role: "user", content: `${marker} hello` }] }).withResponse();
    expect(data.choices[0]!.message.content).toBe("Hello from the fake upstream.");
    expect(response.headers.get("x-emby-data-region")).toBe("eu");

    const stream = await openai.chat.completions.create({ model, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: `${marker} again` }] });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe("Hello from the fake upstream.");
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    const labels = (await recorded(marker)).map((r) => r.label);
    expect(labels).toHaveLength(2);
    for (const label of labels) expect(EU_LABELS).toContain(label);
  });

  it("a GPT model answers through Azure OpenAI's EU data zone, under the operator's deployment name", async () => {
    const marker = `eu-${crypto.randomUUID()}`;
    const request = { model: "openai/gpt-4.1", messages: [{ role: "user" as const, content: `${marker} hello` }], provider: { order: ["azure-eu"] } };
    const { data, response } = await openai.chat.completions.create(request as OpenAI.ChatCompletionCreateParamsNonStreaming).withResponse();
    expect(data.choices[0]!.message.content).toBe("Hello from the fake upstream.");
    expect(response.headers.get("x-emby-route")).toBe("azure-eu");
    const [sent] = (await recorded(marker)) as (Recorded & { body: { model: string }; headers: Record<string, string> })[];
    expect(sent).toMatchObject({ label: "azure-eu", path: "/azure-eu/openai/v1/chat/completions", body: { model: "gpt41-eu-datazone" } });
    expect(sent!.headers["api-key"]).toBe("fake-azure");
  });

  it("a Claude model answers /v1/messages through Vertex AI in the EU, streamed and not", async () => {
    const marker = `eu-${crypto.randomUUID()}`;
    const { data: message, response } = await anthropic.messages
      .create({ model: CLAUDE, max_tokens: 64, messages: [{ role: "user", content: `${marker} hello` }] })
      .withResponse();
    expect(message.content).toContainEqual(expect.objectContaining({ type: "text", text: "Hello from the fake upstream." }));
    expect(response.headers.get("x-emby-route")).toBe("vertex-eu");
    expect(response.headers.get("x-emby-data-region")).toBe("eu");

    const stream = anthropic.messages.stream({ model: CLAUDE, max_tokens: 64, messages: [{ role: "user", content: `${marker} again` }] });
    const final = await stream.finalMessage();
    expect(final.content).toContainEqual(expect.objectContaining({ type: "text", text: "Hello from the fake upstream." }));
    expect(final.usage.output_tokens).toBeGreaterThan(0);

    const sent = await recorded(marker);
    expect(sent.map((r) => r.label)).toEqual(["vertex-eu", "vertex-eu"]);
    expect(sent.map((r) => r.path.split(":").at(-1))).toEqual(["rawPredict", "streamRawPredict"]);
  });

  it("a GPT, a Gemini and a Mistral model answer /v1/messages through EU routes too", async () => {
    for (const model of [GPT, GEMINI, MISTRAL]) {
      const marker = `eu-${crypto.randomUUID()}`;
      const { data, response } = await anthropic.messages.create({ model, max_tokens: 64, messages: [{ role: "user", content: `${marker} hello` }] }).withResponse();
      expect(data.content).toContainEqual(expect.objectContaining({ type: "text", text: "Hello from the fake upstream." }));
      expect(response.headers.get("x-emby-data-region")).toBe("eu");
    }
  });

  it("contacted no endpoint outside the EU, for any request of this stack", async () => {
    const all = await recorded();
    expect(all.length).toBeGreaterThan(10);
    expect(all.filter((r) => !EU_LABELS.has(r.label))).toEqual([]);
    // Vertex AI was reached with a token from Google's token endpoint, fetched once and reused.
    expect(all.filter((r) => r.label === "google-oauth")).toHaveLength(1);
  });
});

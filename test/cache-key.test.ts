/**
 * The cache key: the same request in any JSON key order is one key; anything
 * that can change the answer (provider-specific parameters included) is
 * another; accounts never share keys.
 */
import { describe, expect, it } from "vitest";
import { cacheKey, canonicalJson, type CacheKeyInput } from "../src/cache/key";

const body = {
  model: "mistral-small-latest",
  messages: [
    { role: "system", content: "Be brief." },
    { role: "user", content: [{ type: "text", text: "Hello" }] },
  ],
  temperature: 0.2,
  tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "string" }, b: { type: "number" } } } } }],
  response_format: { type: "json_object" },
  provider: { order: ["mistral-eu"], data_region: "eu" },
  models: ["gpt-4o-mini"],
};

const key = (over: Partial<CacheKeyInput> = {}) => cacheKey({ accountId: "acct_1", format: "openai-chat", body, euOnly: false, ...over });

/** The same value with every object's keys reversed, at every depth. */
function reversed(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reversed);
  if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).reverse().map(([k, v]) => [k, reversed(v)]));
  return value;
}

describe("cache key", () => {
  it("is a SHA-256 hex, independent of JSON key order at any depth", async () => {
    const a = await key();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(reversed(body))).not.toBe(JSON.stringify(body));
    expect(await key({ body: reversed(body) })).toBe(a);
    expect(await key({ body: JSON.parse(JSON.stringify(body).replace('"temperature":0.2', '"temperature":2e-1')) })).toBe(a);
  });

  it("keeps array order: reordered messages or fallback models are another request", async () => {
    const a = await key();
    expect(await key({ body: { ...body, messages: [...body.messages].reverse() } })).not.toBe(a);
    expect(await key({ body: { ...body, models: ["gpt-4o-mini", "gpt-4.1"] } })).not.toBe(a);
  });

  it("changes with any provider-specific or generation parameter", async () => {
    const a = await key();
    const changed = [
      { top_k: 40 }, { safe_prompt: true }, { reasoning_effort: "high" }, { temperature: 0.3 }, { max_tokens: 10 },
      { seed: 1 }, { n: 2 }, { tool_choice: "none" }, { response_format: { type: "text" } }, { user: "end-user-1" },
      { provider: { order: ["mistral-global"], data_region: "eu" } }, { provider: { order: ["mistral-eu"] } },
      { messages: [{ role: "user", content: "Hello" }] }, { model: "mistral-large-latest" },
    ];
    const keys = await Promise.all(changed.map((c) => key({ body: { ...body, ...c } })));
    for (const [i, k] of keys.entries()) expect(k, JSON.stringify(changed[i])).not.toBe(a);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("is the same for a stream and a complete request (the answer is the same; only its delivery differs)", async () => {
    const a = await key();
    expect(await key({ body: { ...body, stream: true, stream_options: { include_usage: true } } })).toBe(a);
    expect(await key({ body: { ...body, stream: false } })).toBe(a);
  });

  it("differs by account, by API format, and by an EU restriction of the key or account", async () => {
    const a = await key();
    expect(await key({ accountId: "acct_2" })).not.toBe(a);
    expect(await key({ format: "anthropic-messages" })).not.toBe(a);
    expect(await key({ euOnly: true })).not.toBe(a);
  });

  it("writes canonical JSON: sorted keys, arrays in order, undefined members dropped", () => {
    expect(canonicalJson({ b: [3, { d: 1, c: null }], a: "x", u: undefined })).toBe('{"a":"x","b":[3,{"c":null,"d":1}]}');
  });
});

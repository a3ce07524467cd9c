/**
 * End-to-end: POST /v1/embeddings under `wrangler dev` against the fake
 * upstream, through the official OpenAI SDK's `embeddings.create`, with float
 * and base64 encoding (the SDK asks for base64 by default and decodes it).
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fakeVector } from "../fake-upstream/embedding-vectors.ts";
import { startE2EStack, type E2EStack } from "./e2e-stack.ts";

let e2e: E2EStack;
let client: OpenAI;

beforeAll(async () => {
  e2e = await startE2EStack("embeddings");
  client = new OpenAI({ apiKey: e2e.key, baseURL: `${e2e.stack.url}/v1`, maxRetries: 0 });
});

afterAll(() => e2e?.stop());

describe("official openai SDK: embeddings.create", () => {
  it.each(["openai/text-embedding-3-small", "mistral/mistral-embed", "google/gemini-embedding-001"])("%s, float: the vectors in input order and non-zero usage", async (model) => {
    const input = ["first text", "second, longer text"];
    const res = await client.embeddings.create({ model, input, encoding_format: "float", ...(model.startsWith("openai") ? { dimensions: 64 } : {}) });
    expect(res.model).toBe(model);
    expect(res.data.map((d) => d.index)).toEqual([0, 1]);
    const size = res.data[0]!.embedding.length;
    expect(res.data.map((d) => d.embedding)).toEqual(input.map((t) => fakeVector(t, size)));
    expect(res.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it("base64 (the SDK's default), decoded by the SDK to the same vectors as float", async () => {
    const request = { model: "mistral/mistral-embed", input: "decode me" };
    const decoded = await client.embeddings.create(request);
    const floats = await client.embeddings.create({ ...request, encoding_format: "float" });
    expect(decoded.data[0]!.embedding).toEqual(floats.data[0]!.embedding);
    expect(decoded.data[0]!.embedding).toHaveLength(1024);
    const raw = await client.embeddings.create({ ...request, encoding_format: "base64" });
    expect(typeof raw.data[0]!.embedding).toBe("string");
  });
});

/**
 * POST /v1/embeddings on every route format: OpenAI, OpenAI EU, Azure OpenAI
 * EU, Mistral EU and global, the Gemini API and Vertex AI EU, each against the
 * fake upstream's rendering of that provider's wire format. Each answer is
 * OpenAI's list, in input order, with the vectors the fake computes for each
 * text, and the usage the provider reported (counted by the router where the
 * provider reports none).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelSpec } from "../src/providers/model-spec";
import { defaultDimensions, fakeTokens, fakeVector } from "./fake-upstream/embedding-vectors";
import { catalogueApi, currentView } from "./helpers/catalogue";
import { decodeBase64, embed, type EmbeddingList } from "./helpers/embeddings";
import { newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";
import { PROJECT } from "./helpers/vertex";

/** An operator's embedding model on OpenAI's EU endpoint (the seed gives it none: docs/embeddings.md). */
const OPENAI_EU_MODEL: ModelSpec = {
  id: "openai/embeddings-test-small",
  provider: "openai",
  name: "text-embedding-3-small (EU, test)",
  contextLength: 8_192,
  embedding: { dimensions: 1_536, minDimensions: 1 },
  routes: [{ endpoint: "openai-eu", upstreamModel: "text-embedding-3-small", pricing: { prompt: 0.02, completion: 0 } }],
};

let euOnly: Customer;
let consenting: Customer;
beforeAll(async () => {
  euOnly = await newCustomer({ consent: false });
  consenting = await newCustomer();
  const { version, models } = await currentView();
  const res = await catalogueApi("PUT", "", { if_version: version, models: [...models, OPENAI_EU_MODEL] });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
});
afterAll(async () => {
  const { version } = await currentView();
  await catalogueApi("DELETE", "", { if_version: version });
});

interface Case {
  route: string;
  model: string;
  upstreamModel: string;
  /** Where the fake saw the call. */
  path: (upstreamModel: string) => string;
  customer: () => Customer;
  provider?: Record<string, unknown>;
}

const CASES: Case[] = [
  { route: "openai", model: "openai/text-embedding-3-small", upstreamModel: "text-embedding-3-small", path: () => "/openai/v1/embeddings", customer: () => consenting },
  { route: "openai-eu", model: OPENAI_EU_MODEL.id, upstreamModel: "text-embedding-3-small", path: () => "/openai-eu/v1/embeddings", customer: () => euOnly },
  { route: "azure-eu", model: "openai/text-embedding-3-large", upstreamModel: "text-embedding-3-large", path: () => "/azure-eu/openai/v1/embeddings", customer: () => euOnly },
  { route: "mistral-eu", model: "mistral/mistral-embed", upstreamModel: "mistral-embed", path: () => "/mistral/v1/embeddings", customer: () => euOnly },
  { route: "mistral-global", model: "mistral/mistral-embed", upstreamModel: "mistral-embed", path: () => "/mistral-global/v1/embeddings", customer: () => consenting, provider: { only: ["mistral-global"] } },
  { route: "google", model: "google/gemini-embedding-001", upstreamModel: "gemini-embedding-001", path: (m) => `/gemini/v1beta/models/${m}:batchEmbedContents`, customer: () => consenting, provider: { only: ["google"] } },
  {
    route: "vertex-eu", model: "google/gemini-embedding-001", upstreamModel: "gemini-embedding-001",
    path: (m) => `/vertex-eu/v1/projects/${PROJECT}/locations/eu/publishers/google/models/${m}:predict`, customer: () => euOnly,
  },
];

describe.each(CASES)("embeddings on $route", (c) => {
  it("answer in OpenAI's shape, in input order, with each text's vector and the usage", async () => {
    const marker = tag();
    const input = [`first ${marker}`, `the second text ${marker}`, `third ${marker}!`];
    const res = await embed(c.customer().key, { model: c.model, input, ...(c.provider ? { provider: c.provider } : {}) });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.headers.get("x-emby-route")).toBe(c.route);
    const body = res.json as EmbeddingList;
    expect(body.object).toBe("list");
    expect(body.model).toBe(c.model);
    const dims = defaultDimensions(c.upstreamModel);
    expect(body.data).toEqual(input.map((text, index) => ({ object: "embedding", index, embedding: fakeVector(text, dims) })));
    const tokens = input.reduce((n, t) => n + fakeTokens(t), 0);
    expect(body.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    const seen = await upstreamRequests(marker);
    expect(seen.length).toBeGreaterThan(0);
    for (const request of seen) expect(request.path).toBe(c.path(c.upstreamModel));
  });

  it("answer base64 as the little-endian float32 bytes of the float answer", async () => {
    const marker = tag();
    const request = { model: c.model, input: `base64 ${marker}`, ...(c.provider ? { provider: c.provider } : {}) };
    const floats = await embed(c.customer().key, request);
    const encoded = await embed(c.customer().key, { ...request, encoding_format: "base64" });
    expect(encoded.status, JSON.stringify(encoded.json)).toBe(200);
    const [item] = (encoded.json as EmbeddingList).data;
    expect(typeof item!.embedding).toBe("string");
    expect(decodeBase64(item!.embedding as string)).toEqual((floats.json as EmbeddingList).data[0]!.embedding);
  });
});

describe("the request each provider receives", () => {
  it("OpenAI: the texts, floats, dimensions and user as sent; no routing fields", async () => {
    const marker = tag();
    const res = await embed(consenting.key, { model: "openai/text-embedding-3-small", input: marker, dimensions: 256, user: "u-1", encoding_format: "base64", provider: { sort: "price" } });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(decodeBase64((res.json as EmbeddingList).data[0]!.embedding as string)).toEqual(fakeVector(marker, 256));
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body).toEqual({ model: "text-embedding-3-small", input: [marker], encoding_format: "float", dimensions: 256, user: "u-1" });
    expect(seen!.headers.authorization).toBe("Bearer sk-router-openai-credential");
  });

  it("Azure OpenAI: the deployment as model, the key in api-key", async () => {
    const marker = tag();
    const res = await embed(euOnly.key, { model: "openai/text-embedding-3-large", input: marker }, {
      AZURE_OPENAI_EU_API_KEY: "azure-test-key",
      AZURE_OPENAI_EU_DEPLOYMENTS: "text-embedding-3-large=eu-text-embedding-3-large",
    });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body).toEqual({ model: "eu-text-embedding-3-large", input: [marker], encoding_format: "float" });
    expect(seen!.headers["api-key"]).toBe("azure-test-key");
    expect(seen!.headers.authorization).toBeUndefined();
  });

  it("Gemini: one request per text naming the model, outputDimensionality for dimensions", async () => {
    const marker = tag();
    const input = [`a ${marker}`, `b ${marker}`];
    const res = await embed(consenting.key, { model: "google/gemini-embedding-001", input, dimensions: 768, provider: { only: ["google"] } });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect((res.json as EmbeddingList).data.map((d) => d.embedding)).toEqual(input.map((t) => fakeVector(t, 768)));
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body).toEqual({
      requests: input.map((text) => ({ model: "models/gemini-embedding-001", content: { parts: [{ text }] }, outputDimensionality: 768 })),
    });
  });

  it("Vertex AI: one predict call per text (gemini-embedding-001 takes one), in order, with a bearer token", async () => {
    const marker = tag();
    const input = Array.from({ length: 6 }, (_, i) => `text ${i} ${marker}`);
    const res = await embed(euOnly.key, { model: "google/gemini-embedding-001", input, dimensions: 128 });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect((res.json as EmbeddingList).data.map((d) => d.embedding)).toEqual(input.map((t) => fakeVector(t, 128)));
    const seen = await upstreamRequests(marker);
    expect(seen).toHaveLength(6);
    for (const request of seen) {
      expect(request.body).toEqual({ instances: [{ content: expect.stringContaining(marker) }], parameters: { autoTruncate: false, outputDimensionality: 128 } });
      expect(request.headers.authorization).toMatch(/^Bearer \S+$/);
    }
  });

  it("Gemini: more than 100 texts go in several batch calls, the answer in input order", async () => {
    const marker = tag();
    const input = Array.from({ length: 150 }, (_, i) => `${i} ${marker}`);
    const res = await embed(consenting.key, { model: "google/gemini-embedding-001", input, dimensions: 128, provider: { only: ["google"] } });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect((res.json as EmbeddingList).data.map((d) => d.embedding)).toEqual(input.map((t) => fakeVector(t, 128)));
    const sizes = (await upstreamRequests(marker)).map((r) => (r.body.requests as unknown[]).length);
    expect(sizes.sort((a, b) => a - b)).toEqual([50, 100]);
  });

  it("Vertex AI: more texts than the route takes one by one is a 400 saying so, with nothing sent", async () => {
    const marker = tag();
    const res = await embed(euOnly.key, { model: "google/gemini-embedding-001", input: Array.from({ length: 101 }, (_, i) => `${i} ${marker}`) });
    expect(res.status).toBe(400);
    expect(res.json).toMatchObject({ error: { code: "too_many_inputs_for_route", param: "input" } });
    expect(await upstreamRequests(marker)).toEqual([]);
  });

  it("Mistral: the texts only (mistral-embed has one size)", async () => {
    const marker = tag();
    const res = await embed(euOnly.key, { model: "mistral/mistral-embed", input: [marker] });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body).toEqual({ model: "mistral-embed", input: [marker] });
  });
});

/**
 * What /v1/embeddings refuses before anything goes upstream (OpenAI's bounds,
 * token arrays, `dimensions` a model does not take), the model kinds kept
 * apart (a chat model on /v1/embeddings, an embedding model on the chat
 * endpoints), how /v1/models shows embedding models, and the operator
 * catalogue's rules for them.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { catalogueDocumentSchema } from "../src/routing/catalogue-document";
import { embed } from "./helpers/embeddings";
import { call, chat, newCustomer, tag, upstreamRequests, type Customer, type ErrorBody } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const refusal = async (body: Record<string, unknown>) => {
  const marker = tag();
  const res = await embed(customer.key, { model: "openai/text-embedding-3-small", ...body, user: marker });
  expect(await upstreamRequests(marker)).toEqual([]);
  return { status: res.status, error: (res.json as ErrorBody).error };
};

describe("request bounds (400, nothing sent upstream)", () => {
  it("more than 2,048 inputs", async () => {
    const { status, error } = await refusal({ input: Array.from({ length: 2_049 }, () => "x") });
    expect(status).toBe(400);
    expect(error.param).toBe("input");
  });

  it("more than 300,000 tokens in all", async () => {
    const { status, error } = await refusal({ input: Array.from({ length: 2_048 }, () => "y".repeat(600)) });
    expect(status).toBe(400);
    expect(error.code).toBe("too_many_tokens");
  });

  it("an input over the model's input limit, naming it", async () => {
    const { status, error } = await refusal({ input: ["short", "z".repeat(8_193 * 4)] });
    expect(status).toBe(400);
    expect(error).toMatchObject({ code: "context_length_exceeded", param: "input[1]" });
  });

  it("an empty string", async () => {
    expect((await refusal({ input: "" })).status).toBe(400);
    expect((await refusal({ input: ["a", ""] })).status).toBe(400);
  });

  it("token arrays, saying to send text", async () => {
    for (const input of [[1, 2, 3], [[1, 2], [3]]]) {
      const { status, error } = await refusal({ input });
      expect(status).toBe(400);
      expect(error.message).toMatch(/token arrays are not accepted/);
    }
  });

  it("dimensions outside what the model takes, or on a model of fixed size", async () => {
    expect((await refusal({ input: "a", dimensions: 1_537 })).error).toMatchObject({ param: "dimensions", code: "unsupported_value" });
    const mistral = await embed(customer.key, { model: "mistral/mistral-embed", input: "a", dimensions: 256 });
    expect(mistral.status).toBe(400);
    expect((mistral.json as ErrorBody).error.message).toMatch(/fixed at 1024/);
    const gemini = await embed(customer.key, { model: "google/gemini-embedding-001", input: "a", dimensions: 64 });
    expect((gemini.json as ErrorBody).error.message).toMatch(/128 to 3072/);
  });

  it("accepts a model's own size on a model of fixed size, without asking the provider for it", async () => {
    const marker = tag();
    const res = await embed(customer.key, { model: "mistral/mistral-embed", input: marker, dimensions: 1_024 });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    const [seen] = await upstreamRequests(marker);
    expect(seen!.body).not.toHaveProperty("output_dimension");
  });

  it("an unknown field or encoding", async () => {
    expect((await refusal({ input: "a", encoding_format: "int8" })).error.param).toBe("encoding_format");
    expect((await refusal({ input: "a", temperature: 1 })).error.code).toBe("unknown_parameter");
  });
});

describe("model kinds", () => {
  it("/v1/embeddings refuses a chat model with 400", async () => {
    const res = await embed(customer.key, { model: "mistral/mistral-small-latest", input: "a" });
    expect(res.status).toBe(400);
    expect((res.json as ErrorBody).error).toMatchObject({ code: "model_not_supported", param: "model" });
  });

  it("/v1/embeddings refuses a chat model among the fallback models", async () => {
    const res = await embed(customer.key, { model: "mistral/mistral-embed", models: ["mistral/mistral-small-latest"], input: "a" });
    expect((res.json as ErrorBody).error).toMatchObject({ code: "model_not_supported", param: "models[0]" });
  });

  it("the chat endpoints refuse an embedding model with 400 naming /v1/embeddings", async () => {
    const res = await chat(customer.key, { model: "mistral/mistral-embed", messages: [{ role: "user", content: "hi" }] });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as ErrorBody;
    expect(error.code).toBe("model_not_supported");
    expect(error.message).toMatch(/\/v1\/embeddings/);
    const messages = await call("/v1/messages", {
      method: "POST",
      headers: { "x-api-key": customer.key, "content-type": "application/json" },
      body: JSON.stringify({ model: "openai/text-embedding-3-small", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(messages.status).toBe(400);
    expect(((await messages.json()) as { type: string }).type).toBe("error");
  });

  it("/v1/models lists embedding models with their kind, dimensions and input price", async () => {
    const res = await call("/v1/models", { headers: { authorization: `Bearer ${customer.key}` } });
    const { data } = (await res.json()) as { data: { id: string; kind: string; embedding: unknown; max_output_tokens: number; context_length: number; pricing: { prompt: number } }[] };
    const small = data.find((m) => m.id === "openai/text-embedding-3-small")!;
    expect(small).toMatchObject({ kind: "embedding", embedding: { dimensions: 1_536, min_dimensions: 1 }, context_length: 8_192, max_output_tokens: 0, pricing: { prompt: 0.02 } });
    expect(data.find((m) => m.id === "mistral/mistral-embed")!.embedding).toEqual({ dimensions: 1_024, min_dimensions: null });
    expect(data.find((m) => m.id === "mistral/mistral-small-latest")).toMatchObject({ kind: "chat", embedding: null });
  });
});

describe("the operator catalogue", () => {
  const model = (routes: unknown[], extra: Record<string, unknown> = {}) => ({
    models: [{ id: "openai/op-embed", provider: "openai", name: "Op embed", contextLength: 8_192, embedding: { dimensions: 512 }, routes, ...extra }],
  });
  const route = (endpoint: string, upstreamModel: string) => ({ endpoint, upstreamModel, pricing: { prompt: 0.02, completion: 0 } });

  it("accepts an embedding model, without maxOutputTokens", () => {
    expect(catalogueDocumentSchema.safeParse(model([route("openai-eu", "text-embedding-3-small")])).success).toBe(true);
  });

  it("refuses an embedding model on an endpoint without embeddings, or with maxOutputTokens", () => {
    expect(catalogueDocumentSchema.safeParse(model([route("anthropic", "claude-x")])).success).toBe(false);
    expect(catalogueDocumentSchema.safeParse(model([route("vertex-eu", "anthropic/claude-x")])).success).toBe(false);
    expect(catalogueDocumentSchema.safeParse(model([route("openai", "e")], { maxOutputTokens: 10 })).success).toBe(false);
  });

  it("still requires maxOutputTokens of a chat model", () => {
    const chatModel = { id: "openai/op-chat", provider: "openai", name: "Op chat", contextLength: 8_192, routes: [{ endpoint: "openai", upstreamModel: "x", pricing: { prompt: 1, completion: 1 } }] };
    expect(catalogueDocumentSchema.safeParse({ models: [chatModel] }).success).toBe(false);
  });
});

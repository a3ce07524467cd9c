/**
 * /v1/embeddings through the router's machinery: EU routing for an account
 * without consent, fallback between routes on upstream failures, the log
 * event and its cost (input tokens at the route's prompt price), and the
 * limiter's headers.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { fakeTokens } from "./fake-upstream/embedding-vectors";
import { callWithLog } from "./helpers/log-capture";
import { embed, embeddingsInit, EU_ENDPOINTS, type EmbeddingList } from "./helpers/embeddings";
import { newCustomer, tag, upstreamRequests, type Customer, type ErrorBody } from "./helpers/router";

let euOnly: Customer;
let consenting: Customer;
beforeAll(async () => {
  euOnly = await newCustomer({ consent: false });
  consenting = await newCustomer();
});

describe("EU rules", () => {
  it("serve an account without consent on the EU route only", async () => {
    const marker = tag();
    const res = await embed(euOnly.key, { model: "mistral/mistral-embed", input: marker });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-emby-data-region")).toBe("eu");
    expect((await upstreamRequests(marker)).map((r) => r.label)).toEqual(["mistral"]);
  });

  it("refuse a model with no EU route to an account without consent (403), with nothing sent upstream", async () => {
    const marker = tag();
    const res = await embed(euOnly.key, { model: "openai/text-embedding-3-small", input: marker });
    expect(res.status).toBe(403);
    expect(await upstreamRequests(marker)).toEqual([]);
  });

  it("never fall back outside the EU for an account without consent", async () => {
    const marker = tag();
    const res = await embed(euOnly.key, { model: "mistral/mistral-embed", input: `${marker} fake:{"status":500}` });
    expect(res.status).toBe(502);
    expect((await upstreamRequests(marker)).map((r) => r.label)).toEqual(["mistral"]);
  });
});

describe("fallback", () => {
  it("moves to the next route when one fails, before anything reached the client", async () => {
    const marker = tag();
    const res = await embed(consenting.key, { model: "mistral/mistral-embed", input: `${marker} fake:{"route":"mistral","status":503}` });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.headers.get("x-emby-route")).toBe("mistral-global");
    expect(res.headers.get("x-emby-attempts")).toBe("2");
    expect((await upstreamRequests(marker)).map((r) => r.label)).toEqual(["mistral", "mistral-global"]);
  });

  it("moves to the fallback model of `models`", async () => {
    const marker = tag();
    const res = await embed(euOnly.key, { model: "google/gemini-embedding-001", models: ["mistral/mistral-embed"], input: `${marker} fake:{"route":"vertex-eu","status":500}` });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect((res.json as EmbeddingList).model).toBe("mistral/mistral-embed");
  });

  it("passes a client error on without trying another route", async () => {
    const marker = tag();
    const res = await embed(consenting.key, { model: "mistral/mistral-embed", input: `${marker} fake:{"status":400}` });
    expect(res.status).toBe(400);
    expect((res.json as ErrorBody).error.code).toBe("upstream_invalid_request");
    expect(await upstreamRequests(marker)).toHaveLength(1);
  });

  it("answers an upstream rate limit with 429 and its Retry-After once every route is limited", async () => {
    const marker = tag();
    const res = await embed(consenting.key, { model: "openai/text-embedding-3-small", input: `${marker} fake:{"status":429,"retryAfter":7}` });
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
  });

  it("treats a 200 that is not an embeddings answer as the route's failure (502)", async () => {
    const marker = tag();
    const res = await embed(consenting.key, { model: "openai/text-embedding-3-small", input: `${marker} fake:{"garbage":true}` });
    expect(res.status).toBe(502);
    expect((res.json as ErrorBody).error.code).toBe("upstream_invalid_response");
  });
});

describe("logging and billing", () => {
  it("logs one 'embeddings' event billed at the route's prompt price for the reported input tokens", async () => {
    const marker = tag();
    const input = [`one ${marker}`, `two two ${marker}`];
    const logged = await callWithLog("/v1/embeddings", embeddingsInit(euOnly.key, { model: "mistral/mistral-embed", input }), undefined, EU_ENDPOINTS);
    expect(logged.response.status).toBe(200);
    expect(logged.response.headers.get("x-ratelimit-limit-tokens")).not.toBeNull();
    await logged.response.text();
    const events = await logged.settled();
    expect(events).toHaveLength(1);
    const [event] = events;
    const tokens = input.reduce((n, t) => n + fakeTokens(t), 0);
    expect(event).toMatchObject({ endpoint: "embeddings", status: 200, model: "mistral/mistral-embed", route: "mistral-eu", prompt_tokens: tokens, completion_tokens: 0 });
    expect(event!.usage_estimated ?? false).toBe(false);
    // mistral-embed on mistral-eu: $0.10 per million tokens = 100 nano-USD a token.
    expect(event!.cost_nano_usd).toBe(tokens * 100);
  });

  it("counts the tokens itself, marked estimated, on the Gemini API (which reports none)", async () => {
    const marker = tag();
    const input = [`gemini ${marker}`];
    const logged = await callWithLog(
      "/v1/embeddings",
      embeddingsInit(consenting.key, { model: "google/gemini-embedding-001", input, provider: { only: ["google"] } }),
      undefined,
      EU_ENDPOINTS,
    );
    expect(logged.response.status).toBe(200);
    const body = (await logged.response.json()) as EmbeddingList;
    const [event] = await logged.settled();
    const tokens = Math.ceil(input[0]!.length / 4);
    expect(body.usage.prompt_tokens).toBe(tokens);
    expect(event).toMatchObject({ endpoint: "embeddings", prompt_tokens: tokens, completion_tokens: 0, usage_estimated: true, cost_nano_usd: tokens * 150 });
  });
});

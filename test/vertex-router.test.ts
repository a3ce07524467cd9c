/**
 * Vertex AI routes through the router, with the real Google token source
 * (src/providers/google-auth/token-source.ts) and the test service account
 * the fake's token endpoint trusts (VERTEX_SERVICE_ACCOUNT in the test env).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelSpec } from "../src/providers/model-spec";
import { catalogueApi, currentView, direct } from "./helpers/catalogue";
import { newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";
import { PROJECT } from "./helpers/vertex";

/** The vertex-eu endpoint configured for a call: a project (the token source comes from the service account in the test env). */
const VERTEX_ENV: Partial<Env> = { VERTEX_EU_PROJECT: PROJECT };

const GEMINI: ModelSpec = {
  id: "google/vertex-router-gemini",
  provider: "google",
  name: "Gemini on Vertex (test)",
  contextLength: 1_000_000,
  maxOutputTokens: 8_192,
  routes: [
    { endpoint: "vertex-eu", upstreamModel: "google/gemini-3.8-flash", pricing: { prompt: 0.33, completion: 2.75 } },
    { endpoint: "google", upstreamModel: "gemini-3.8-flash", pricing: { prompt: 0.3, completion: 2.5 } },
  ],
};
const CLAUDE: ModelSpec = {
  id: "anthropic/vertex-router-claude",
  provider: "anthropic",
  name: "Claude on Vertex (test)",
  contextLength: 200_000,
  maxOutputTokens: 8_192,
  routes: [
    { endpoint: "vertex-eu", upstreamModel: "anthropic/claude-sonnet-4-5@20250929", pricing: { prompt: 3.3, completion: 16.5 } },
    { endpoint: "anthropic", upstreamModel: "claude-haiku-4-5", pricing: { prompt: 1, completion: 5 } },
  ],
};

let euOnly: Customer;
let consenting: Customer;
beforeAll(async () => {
  euOnly = await newCustomer({ consent: false });
  consenting = await newCustomer();
  const { version, models } = await currentView();
  const res = await catalogueApi("PUT", "", { if_version: version, models: [...models, GEMINI, CLAUDE] });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
});
afterAll(async () => {
  const { version } = await currentView();
  await catalogueApi("DELETE", "", { if_version: version });
});

const json = (headers: Record<string, string>, body: unknown): RequestInit => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
const chat = (key: string, body: unknown) => direct("/v1/chat/completions", json({ authorization: `Bearer ${key}` }, body), VERTEX_ENV);
const messages = (key: string, body: unknown) => direct("/v1/messages", json({ "x-api-key": key, "anthropic-version": "2023-06-01" }, body), VERTEX_ENV);

describe("Vertex AI routes through the router", () => {
  it("serve Gemini to an account without non-EU consent, on the EU route", async () => {
    const marker = tag();
    const res = await chat(euOnly.key, { model: GEMINI.id, messages: [{ role: "user", content: marker }] });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.headers.get("x-emby-route")).toBe("vertex-eu");
    expect(res.headers.get("x-emby-data-region")).toBe("eu");
    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toBe(`/vertex-eu/v1/projects/${PROJECT}/locations/eu/publishers/google/models/gemini-3.8-flash:generateContent`);
    expect(seen!.headers.authorization).toMatch(/^Bearer \S+$/);
  });

  it("pass /v1/messages for Claude through to rawPredict", async () => {
    const marker = tag();
    const request = { model: CLAUDE.id, max_tokens: 100, messages: [{ role: "user", content: [{ type: "text", text: marker, cache_control: { type: "ephemeral" } }] }] };
    const res = await messages(euOnly.key, request);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.headers.get("x-emby-route")).toBe("vertex-eu");
    const [seen] = await upstreamRequests(marker);
    expect(seen!.path).toBe(`/vertex-eu/v1/projects/${PROJECT}/locations/eu/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict`);
    const { model: _model, ...rest } = request;
    expect(seen!.body).toEqual({ ...rest, anthropic_version: "vertex-2023-10-16" });
    expect(seen!.headers["anthropic-version"]).toBeUndefined();
  });

  it("fall back to the next route when Vertex answers 401", async () => {
    const marker = tag();
    const res = await chat(consenting.key, { model: GEMINI.id, messages: [{ role: "user", content: `${marker} fake:{"status":401,"route":"vertex-eu"}` }] });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.headers.get("x-emby-route")).toBe("google");
    expect(res.headers.get("x-emby-attempts")).toBe("2");
    expect((await upstreamRequests(marker)).map((r) => r.label)).toEqual(["vertex-eu", "gemini"]);
  });
});

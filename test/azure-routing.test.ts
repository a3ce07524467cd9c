/**
 * Azure OpenAI (EU) as a route of the router: which models have one (a
 * deployment of theirs in AZURE_OPENAI_EU_DEPLOYMENTS), an account without
 * non-EU consent served by it, a blocked prompt answered as the client's
 * error and never retried elsewhere, a missing deployment falling back.
 * The endpoint is configured per call (env overrides) on an operator
 * catalogue holding one model with an Azure route and a US route.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { azureDeployments, ENDPOINTS, endpointConfig } from "../src/providers/endpoints";
import type { ModelSpec } from "../src/providers/model-spec";
import type { Route } from "../src/providers/types";
import worker from "../src/router/index";
import { catalogueApi, currentView, editable } from "./helpers/catalogue";
import { newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

const MODEL = "openai/azure-routing-test";
const model: ModelSpec = {
  id: MODEL,
  provider: "openai",
  name: "Azure routing test",
  contextLength: 128_000,
  maxOutputTokens: 16_384,
  routes: [
    { endpoint: "azure-eu", upstreamModel: "gpt-4o-mini", region: "eu", pricing: { prompt: 0.165, completion: 0.66 } },
    { endpoint: "openai", upstreamModel: "gpt-4o-mini", region: "us", pricing: { prompt: 0.15, completion: 0.6 } },
  ],
};
const AZURE = { AZURE_OPENAI_EU_API_KEY: "azure-test-key", AZURE_OPENAI_EU_DEPLOYMENTS: "gpt-4o-mini=eu-mini" };

/** The router in this module (the one the operator catalogue was published to), with `overrides` on the env. */
async function chat(key: string, body: Record<string, unknown>, overrides: Partial<Env> = AZURE): Promise<{ res: Response; text: string }> {
  const ctx = createExecutionContext();
  const init = { method: "POST", headers: { authorization: `Bearer ${key}`, "content-type": "application/json" }, body: JSON.stringify({ model: MODEL, ...body }) };
  const res = await worker.fetch(new Request("http://router.test/v1/chat/completions", init), { ...env, ...overrides }, ctx);
  const text = await res.text();
  await waitOnExecutionContext(ctx);
  return { res, text };
}

const labels = async (marker: string) => (await upstreamRequests(marker)).map((r) => r.label);

let consenting: Customer;
let euOnly: Customer;
beforeAll(async () => {
  [consenting, euOnly] = await Promise.all([newCustomer(), newCustomer({ consent: false })]);
  const { version, models } = await editable();
  const res = await catalogueApi("PUT", "", { if_version: version, models: [...models, model] });
  expect(res.status, JSON.stringify(res.json)).toBe(200);
});

afterAll(async () => {
  const { version } = await currentView();
  await catalogueApi("DELETE", "", { if_version: version });
});

describe("the Azure OpenAI (EU) route", () => {
  it("serves an account without non-EU consent, streaming and not", async () => {
    const marker = tag();
    const plain = await chat(euOnly.key, { messages: [{ role: "user", content: `hi ${marker}` }] });
    expect(plain.res.status, plain.text).toBe(200);
    expect(plain.res.headers.get("x-emby-route")).toBe("azure-eu");
    expect(plain.res.headers.get("x-emby-data-region")).toBe("eu");
    expect(JSON.parse(plain.text)).toMatchObject({ object: "chat.completion", choices: [{ message: { content: "Hello from the fake upstream." } }] });
    const streamed = await chat(euOnly.key, { stream: true, messages: [{ role: "user", content: `hi ${marker}` }] });
    expect(streamed.res.status).toBe(200);
    expect(streamed.text).not.toMatch(/"id":""|filter_results/);
    expect(streamed.text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(await labels(marker)).toEqual(["azure-eu", "azure-eu"]);
  });

  it.each([false, true])("a prompt its content filter blocks is the client's 400 content_filter, not retried on the US route (stream %s)", async (stream) => {
    const marker = tag();
    const { res, text } = await chat(consenting.key, { stream, messages: [{ role: "user", content: `${marker} fake:{"contentFilter":"prompt"}` }] });
    expect(res.status).toBe(400);
    expect(JSON.parse(text)).toEqual({
      error: {
        type: "invalid_request_error",
        code: "content_filter",
        param: "messages",
        message: "The provider's content filter (Azure OpenAI (EU)) blocked the prompt: violence (high). Change the prompt; the request is not retried on another route.",
      },
    });
    expect(res.headers.get("x-emby-attempts")).toBe("1");
    expect(await labels(marker)).toEqual(["azure-eu"]);
  });

  it("a deployment the resource lacks fails the route, and the next route answers", async () => {
    const marker = tag();
    const { res } = await chat(consenting.key, { messages: [{ role: "user", content: `hi ${marker}` }] }, { ...AZURE, AZURE_OPENAI_EU_DEPLOYMENTS: "gpt-4o-mini=missing-mini" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-emby-route")).toBe("openai");
    expect(await labels(marker)).toEqual(["azure-eu", "openai"]);
  });

  it("is skipped when the operator has no deployment of the model", async () => {
    const marker = tag();
    const { res } = await chat(consenting.key, { messages: [{ role: "user", content: `hi ${marker}` }] }, { ...AZURE, AZURE_OPENAI_EU_DEPLOYMENTS: "gpt-4o=eu-4o" });
    expect(res.headers.get("x-emby-route")).toBe("openai");
    expect(await labels(marker)).toEqual(["openai"]);
  });
});

describe("AZURE_OPENAI_EU_DEPLOYMENTS", () => {
  it("reads model=deployment pairs; a bare model is a deployment of its own name; malformed items are ignored", () => {
    expect(azureDeployments(" gpt-4o-mini = eu-mini ,gpt-4o,, o3=bad name, =orphan")).toEqual(new Map([["gpt-4o-mini", "eu-mini"], ["gpt-4o", "gpt-4o"]]));
    expect(azureDeployments(undefined)).toEqual(new Map());
  });

  it("gives a route its deployment, and no Azure route to a model without one", () => {
    const route = (upstreamModel: string): Route => ({ endpoint: "azure-eu", upstreamModel, region: "eu", pricing: { prompt: 1, completion: 1 }, contextLength: 1_000, maxOutputTokens: 100 });
    const vars = { ...env, ...AZURE, AZURE_OPENAI_EU_DEPLOYMENTS: "gpt-4o-mini=eu-mini" } as Env;
    expect(endpointConfig(ENDPOINTS["azure-eu"], vars, route("gpt-4o-mini"), 1_000)).toMatchObject({ deployment: "eu-mini", apiKey: "azure-test-key" });
    expect(endpointConfig(ENDPOINTS["azure-eu"], vars, route("gpt-4.1"), 1_000)).toBeNull();
    // No key: not configured, whatever the deployments.
    expect(endpointConfig(ENDPOINTS["azure-eu"], { ...vars, AZURE_OPENAI_EU_API_KEY: undefined } as unknown as Env, route("gpt-4o-mini"), 1_000)).toBeNull();
  });
});

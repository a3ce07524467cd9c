/**
 * The EU endpoints beside mistral-eu: OpenAI's EU data residency (URL and
 * credential), and the production checks that keep each EU claim honest —
 * only the hosts (and, for Azure, the stated region; for Vertex, the
 * location) the provider's guarantee names make an endpoint usable, so a
 * configuration slip can never send an account without consent outside the EU.
 */
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { ENDPOINTS, endpointConfig, type EndpointDef } from "../src/providers/endpoints";
import type { Route } from "../src/providers/types";
import { direct } from "./helpers/catalogue";
import { chatInit } from "./helpers/log-capture";
import { newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

const route = (endpoint: string, upstreamModel: string): Route => ({ endpoint, upstreamModel, region: "eu", pricing: { prompt: 1, completion: 1 }, contextLength: 1_000, maxOutputTokens: 100 });

/** endpointConfig in production (EU jurisdiction), with its console error silenced and returned. */
function inProduction(endpoint: EndpointDef, r: Route, vars: Partial<Env>) {
  const error = vi.spyOn(console, "error").mockImplementation(() => {});
  const config = endpointConfig(endpoint, { ...env, DURABLE_OBJECT_JURISDICTION: "eu", ...vars } as Env, r, 1_000);
  const logged = error.mock.calls.flat().join(" ");
  error.mockRestore();
  return { config, logged };
}

describe("openai-eu: OpenAI's EU data residency", () => {
  let noConsent: Customer;
  beforeAll(async () => {
    noConsent = await newCustomer({ consent: false });
  });

  it("serves an account without consent on the EU base URL, with the EU project's key, under the route's model name", async () => {
    const marker = tag();
    const res = await direct("/v1/chat/completions", chatInit(noConsent.key, { model: "openai/gpt-6.1-terra", messages: [{ role: "user", content: marker }] }), {
      OPENAI_EU_API_KEY: "sk-eu-project-key",
    } as Partial<Env>);
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.headers.get("x-emby-route")).toBe("openai-eu");
    expect(res.headers.get("x-emby-data-region")).toBe("eu");
    const [sent] = await upstreamRequests(marker);
    expect(sent).toMatchObject({ path: "/openai-eu/v1/chat/completions", body: { model: "gpt-6.1-terra" } });
    expect(sent!.headers.authorization).toBe("Bearer sk-eu-project-key");
  });

  it("holds in production on eu.api.openai.com only", () => {
    const r = route("openai-eu", "gpt-6.1-terra");
    expect(inProduction(ENDPOINTS["openai-eu"], r, { OPENAI_EU_BASE_URL: "https://eu.api.openai.com/v1", OPENAI_EU_API_KEY: "k" }).config).not.toBeNull();
    for (const url of ["https://api.openai.com/v1", "http://eu.api.openai.com/v1", "https://eu.api.openai.com.example.com/v1"]) {
      const { config, logged } = inProduction(ENDPOINTS["openai-eu"], r, { OPENAI_EU_BASE_URL: url, OPENAI_EU_API_KEY: "k" });
      expect(config, url).toBeNull();
      expect(logged).toContain("openai-eu not used");
    }
  });
});

describe("azure-eu in production: the resource's stated region must be an EU member state's", () => {
  const r = route("azure-eu", "gpt-4o-mini");
  const azure = (vars: Partial<Env>) =>
    inProduction(ENDPOINTS["azure-eu"], r, {
      AZURE_OPENAI_EU_API_KEY: "k",
      AZURE_OPENAI_EU_DEPLOYMENTS: "gpt-4o-mini",
      AZURE_OPENAI_EU_BASE_URL: "https://my-resource.openai.azure.com/openai/v1",
      AZURE_OPENAI_EU_REGION: "swedencentral",
      ...vars,
    } as Partial<Env>).config;

  it("is used for a resource in an EU region", () => {
    expect(azure({})).toMatchObject({ baseUrl: "https://my-resource.openai.azure.com/openai/v1", deployment: "gpt-4o-mini" });
    expect(azure({ AZURE_OPENAI_EU_REGION: "GermanyWestCentral" })).not.toBeNull();
  });

  it.each([
    ["a region outside the EU", { AZURE_OPENAI_EU_REGION: "eastus" }],
    ["Switzerland (not an EU member state)", { AZURE_OPENAI_EU_REGION: "switzerlandnorth" }],
    ["no stated region", { AZURE_OPENAI_EU_REGION: "" }],
    ["a host that is not an Azure OpenAI resource", { AZURE_OPENAI_EU_BASE_URL: "https://proxy.example.com/openai/v1" }],
    ["plain http", { AZURE_OPENAI_EU_BASE_URL: "http://my-resource.openai.azure.com/openai/v1" }],
  ])("is not used with %s", (_name, vars) => {
    expect(azure(vars as Partial<Env>)).toBeNull();
  });
});

describe("vertex-eu in production: the host and the location must name the EU", () => {
  const r = route("vertex-eu", "google/gemini-3.1-flash-lite");
  // In production the service account's assertion goes to Google's token endpoint only.
  const vertex = (vars: Partial<Env>) =>
    inProduction(ENDPOINTS["vertex-eu"], r, { VERTEX_EU_PROJECT: "p", GOOGLE_TOKEN_URL: "https://oauth2.googleapis.com/token", ...vars } as Partial<Env>).config;

  it("is used on the eu multi-region host with location eu, or on an EU region's host with that region", () => {
    expect(vertex({ VERTEX_EU_BASE_URL: "https://aiplatform.eu.rep.googleapis.com", VERTEX_EU_LOCATION: "eu" })).toMatchObject({ vertex: { project: "p", location: "eu" } });
    expect(vertex({ VERTEX_EU_BASE_URL: "https://europe-west4-aiplatform.googleapis.com", VERTEX_EU_LOCATION: "europe-west4" })).toMatchObject({
      vertex: { location: "europe-west4" },
    });
  });

  it.each([
    ["the global host", { VERTEX_EU_BASE_URL: "https://aiplatform.googleapis.com", VERTEX_EU_LOCATION: "eu" }],
    ["the US multi-region", { VERTEX_EU_BASE_URL: "https://aiplatform.us.rep.googleapis.com", VERTEX_EU_LOCATION: "us" }],
    ["the eu host with another location", { VERTEX_EU_BASE_URL: "https://aiplatform.eu.rep.googleapis.com", VERTEX_EU_LOCATION: "us-central1" }],
    ["a regional host whose location differs", { VERTEX_EU_BASE_URL: "https://europe-west4-aiplatform.googleapis.com", VERTEX_EU_LOCATION: "europe-west3" }],
    ["London (not in the EU)", { VERTEX_EU_BASE_URL: "https://europe-west2-aiplatform.googleapis.com", VERTEX_EU_LOCATION: "europe-west2" }],
  ])("is not used on %s", (_name, vars) => {
    expect(vertex(vars as Partial<Env>)).toBeNull();
  });

  it("is not used without a project or a service account", () => {
    const good = { VERTEX_EU_BASE_URL: "https://aiplatform.eu.rep.googleapis.com", VERTEX_EU_LOCATION: "eu" };
    expect(vertex({ ...good, VERTEX_EU_PROJECT: "" })).toBeNull();
    expect(vertex({ ...good, VERTEX_SERVICE_ACCOUNT: undefined } as Partial<Env>)).toBeNull();
  });
});

/**
 * The EU claim of an endpoint rests on the host the provider's guarantee
 * names. In production (EU jurisdiction) an EU endpoint pointed at another
 * host is not used at all, so a configuration slip cannot send an account
 * without consent outside the EU.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { ENDPOINTS, endpointConfig } from "../src/providers/endpoints";
import { CATALOGUE } from "../src/providers/catalogue";
import { planRoutes } from "../src/routing/plan";

const mistralRoute = CATALOGUE.find((m) => m.id === "mistral/mistral-small-latest")!.routes[0]!;
const production = (vars: Partial<Env>): Env => ({ ...env, DURABLE_OBJECT_JURISDICTION: "eu", MISTRAL_API_KEY: "k", ...vars }) as Env;

describe("the EU claim of mistral-eu", () => {
  it("holds on Mistral's EU host", () => {
    expect(endpointConfig(ENDPOINTS["mistral-eu"], production({ MISTRAL_BASE_URL: "https://api.eu.mistral.ai/v1" }), mistralRoute, 1_000)).toMatchObject({ baseUrl: "https://api.eu.mistral.ai/v1" });
  });

  it.each(["https://api.mistral.ai/v1", "http://api.eu.mistral.ai/v1", "https://api.eu.mistral.ai.example.com/v1", "not a url"])(
    "does not hold on %s in production: the endpoint is not used",
    (baseUrl) => {
      const error = vi.spyOn(console, "error").mockImplementation(() => {});
      expect(endpointConfig(ENDPOINTS["mistral-eu"], production({ MISTRAL_BASE_URL: baseUrl }), mistralRoute, 1_000)).toBeNull();
      // The operator learns why, without any request data.
      expect(error.mock.calls.flat().join(" ")).toContain("mistral-eu not used");
      error.mockRestore();
    },
  );

  it("an account without consent then gets no route at all, never the global endpoint: 403 consent_required, since the model runs here only outside the EU", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const model = CATALOGUE.find((m) => m.id === "mistral/mistral-small-latest")!;
    const plan = () =>
      planRoutes({
        models: [model],
        prefs: undefined,
        access: { nonEuConsent: false, euOnlyKey: false, allowedModels: null },
        env: production({ MISTRAL_BASE_URL: "https://api.mistral.ai/v1", MISTRAL_GLOBAL_BASE_URL: "https://api.mistral.ai/v1" }),
        health: { state: () => "closed", latencyMs: () => null },
        defaults: { firstByteMs: 1_000, idleMs: 1_000 },
        euModels: () => [],
      });
    expect(plan).toThrow(expect.objectContaining({ code: "consent_required" }));
    error.mockRestore();
  });

  it("is not checked locally (jurisdiction none), where it points at the fake upstream", () => {
    expect(endpointConfig(ENDPOINTS["mistral-eu"], { ...env, MISTRAL_API_KEY: "k", MISTRAL_BASE_URL: "http://127.0.0.1:8790/mistral/v1" } as Env, mistralRoute, 1_000)).not.toBeNull();
  });
});

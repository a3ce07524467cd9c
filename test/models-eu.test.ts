/**
 * /v1/models as this router is configured: each route's retention and
 * whether it is served here, and model-level regions that count served routes
 * only. In the test env the EU endpoints have base URLs but no credentials,
 * so the seed's OpenAI EU, Azure and Vertex routes are listed but not served;
 * `direct` configures them. Also provider.zdr and the consent error end to end.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { direct } from "./helpers/catalogue";
import { chatInit } from "./helpers/log-capture";
import { newCustomer, tag, upstreamRequests, type Customer } from "./helpers/router";

interface RouteObject {
  endpoint: string;
  data_region: string;
  available: boolean;
  retention: { zdr: boolean; days: number; purposes: string[]; source: string; origin: string };
  pricing: { prompt: number };
}
interface ModelObject {
  id: string;
  available: boolean;
  data_region: string | null;
  data_regions: string[];
  requires_consent: boolean;
  pricing: { prompt: number };
  routes: RouteObject[];
}

let customer: Customer;
let noConsent: Customer;
beforeAll(async () => {
  customer = await newCustomer();
  noConsent = await newCustomer({ consent: false });
});

async function models(overrides: Partial<Env> = {}): Promise<Map<string, ModelObject>> {
  const res = await direct("/v1/models", { headers: { authorization: `Bearer ${customer.key}` } }, overrides);
  expect(res.status).toBe(200);
  return new Map((res.json as { data: ModelObject[] }).data.map((m) => [m.id, m]));
}

describe("/v1/models: retention and availability per route", () => {
  it("shows what each route's provider keeps, with its source, and whether the route is served here", async () => {
    const terra = (await models()).get("openai/gpt-6.1-terra")!;
    expect(terra.routes.map((r) => [r.endpoint, r.data_region, r.available])).toEqual([
      ["openai-eu", "eu", false],
      ["openai", "us", true],
    ]);
    expect(terra.routes[1]!.retention).toMatchObject({ zdr: false, days: 30, purposes: ["abuse_monitoring", "prompt_caching"], origin: "provider_terms" });
    expect(terra.routes[1]!.retention.source).toMatch(/^https:\/\/developers\.openai\.com\//);
  });

  it("a model whose only EU route is not served here requires consent; top-level pricing is the served route's", async () => {
    const sonnet = (await models()).get("anthropic/claude-sonnet-5-5")!;
    expect(sonnet.routes[0]).toMatchObject({ endpoint: "vertex-eu", data_region: "eu", available: false });
    expect(sonnet).toMatchObject({ available: true, data_region: "us", data_regions: ["us"], requires_consent: true });
    expect(sonnet.pricing.prompt).toBe(sonnet.routes[1]!.pricing.prompt);
  });

  it("once its EU endpoint is configured, the same model runs in the EU without consent", async () => {
    const terra = (await models({ OPENAI_EU_API_KEY: "k" } as Partial<Env>)).get("openai/gpt-6.1-terra")!;
    expect(terra.routes[0]).toMatchObject({ endpoint: "openai-eu", available: true });
    expect(terra).toMatchObject({ data_region: "eu", data_regions: ["eu", "us"], requires_consent: false });
    // The EU price, with OpenAI's 10% data residency uplift.
    expect(terra.pricing.prompt).toBe(1.1);
  });

  it("a seed Gemini model runs in the EU without consent once Vertex AI is configured, its EU route first", async () => {
    const lite = (await models({ VERTEX_EU_PROJECT: "emby-test" } as Partial<Env>)).get("google/gemini-3.1-flash-lite")!;
    expect(lite.routes.map((r) => [r.endpoint, r.data_region, r.available])).toEqual([
      ["vertex-eu", "eu", true],
      ["google", "global", true],
    ]);
    expect(lite).toMatchObject({ data_region: "eu", requires_consent: false });
    const marker = tag();
    const res = await direct(
      "/v1/chat/completions",
      chatInit(noConsent.key, { model: "google/gemini-3.5-flash", messages: [{ role: "user", content: marker }] }),
      { VERTEX_EU_PROJECT: "emby-test" } as Partial<Env>,
    );
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.headers.get("x-emby-route")).toContain("vertex-eu");
    expect(res.headers.get("x-emby-data-region")).toBe("eu");
  });

  it("shows the operator's statement from PROVIDER_RETENTION", async () => {
    const statement = { zdr: true, days: 0, purposes: [], source: "Mistral ZDR, org approved 2026-09" };
    const small = (await models({ PROVIDER_RETENTION: JSON.stringify({ "mistral-eu": statement }) } as Partial<Env>)).get("mistral/mistral-small-latest")!;
    expect(small.routes[0]!.retention).toEqual({ ...statement, origin: "operator" });
    expect(small.routes[1]!.retention.origin).toBe("provider_terms");
  });
});

describe("provider.zdr and the consent error, end to end", () => {
  const ZDR = JSON.stringify({ "mistral-eu": { zdr: true, days: 0, purposes: [], source: "contract" } });

  it("zdr true: served by a zero-retention route", async () => {
    const marker = tag();
    const res = await direct(
      "/v1/chat/completions",
      chatInit(customer.key, { model: "mistral/mistral-small-latest", messages: [{ role: "user", content: marker }], provider: { zdr: true } }),
      { PROVIDER_RETENTION: ZDR } as Partial<Env>,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("x-emby-route")).toContain("mistral-eu");
    expect(await upstreamRequests(marker)).toHaveLength(1);
  });

  it("zdr true for a model with no zero-retention route: 400 no_zdr_route, and no upstream is called", async () => {
    const marker = tag();
    const res = await direct(
      "/v1/chat/completions",
      chatInit(customer.key, { model: "openai/gpt-4o-mini", messages: [{ role: "user", content: marker }], provider: { zdr: true } }),
      { PROVIDER_RETENTION: ZDR } as Partial<Env>,
    );
    expect(res.status).toBe(400);
    expect((res.json as { error: { code: string; param: string } }).error).toMatchObject({ code: "no_zdr_route", param: "provider.zdr" });
    expect(await upstreamRequests(marker)).toHaveLength(0);
  });

  it("the consent error names only models with an EU route served here", async () => {
    const refuse = async (overrides: Partial<Env>) => {
      const res = await direct("/v1/chat/completions", chatInit(noConsent.key, { model: "anthropic/claude-sonnet-5-5", messages: [{ role: "user", content: "hi" }] }), overrides);
      expect(res.status).toBe(403);
      const { code, message } = (res.json as { error: { code: string; message: string } }).error;
      expect(code).toBe("consent_required");
      return message.split("Models that run in the EU: ")[1]!;
    };
    const unconfigured = await refuse({});
    expect(unconfigured).toContain("mistral/mistral-small-latest");
    expect(unconfigured).not.toContain("openai/");
    expect(unconfigured).not.toContain("anthropic/");
    expect(await refuse({ OPENAI_EU_API_KEY: "k" } as Partial<Env>)).toContain("openai/gpt-6.1-terra");
  });
});

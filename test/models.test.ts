import { describe, expect, it } from "vitest";
import { CATALOGUE } from "../src/providers/catalogue";
import { findEndpoint } from "../src/providers/endpoints";
import { ADAPTERS } from "../src/providers/registry";
import { call, newCustomer } from "./helpers/router";

interface ModelObject {
  id: string;
  object: string;
  owned_by: string;
  provider: string;
  context_length: number;
  pricing: { prompt: number; completion: number; cached_prompt: number | null; long_context: Record<string, number | null> | null; unit: string };
  data_region: string;
  requires_consent: boolean;
}

describe("GET /v1/models", () => {
  it("lists the catalogue in OpenAI's list shape with pricing, context and region", async () => {
    const { key } = await newCustomer();
    const res = await call("/v1/models", { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; data: ModelObject[] };
    expect(body.object).toBe("list");
    expect(body.data.map((m) => m.id)).toEqual(CATALOGUE.map((m) => m.id));
    const mistral = body.data.find((m) => m.id === "mistral/mistral-small-latest")!;
    expect(mistral).toMatchObject({ object: "model", owned_by: "mistral", provider: "mistral", data_region: "eu", requires_consent: false });
    expect(mistral.context_length).toBeGreaterThan(0);
    expect(mistral.pricing.prompt).toBeGreaterThan(0);
    expect(body.data.find((m) => m.id === "openai/gpt-4o-mini")).toMatchObject({ data_region: "us", requires_consent: true });
  });

  it("retrieves one model by its provider/model id; 404 for an unknown one", async () => {
    const { key } = await newCustomer();
    const headers = { authorization: `Bearer ${key}` };
    const res = await call("/v1/models/openai/gpt-4o-mini", { headers });
    expect(((await res.json()) as ModelObject).id).toBe("openai/gpt-4o-mini");
    expect((await call("/v1/models/openai/nope", { headers })).status).toBe(404);
  });

  it("retrieves a model whose '/' is percent-encoded, as the official SDKs send it", async () => {
    const { key } = await newCustomer();
    const headers = { authorization: `Bearer ${key}` };
    for (const path of ["mistral%2Fmistral-small-latest", "mistral%2fmistral-small-latest", "openai%2Fgpt-4o-mini"]) {
      const res = await call(`/v1/models/${path}`, { headers });
      expect(res.status, path).toBe(200);
      expect(((await res.json()) as ModelObject).id).toBe(decodeURIComponent(path));
    }
    const unknown = await call("/v1/models/openai%2Fnope", { headers });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
  });

  it("takes any number of '/' in an id (404 model_not_found, not route_not_found)", async () => {
    const { key } = await newCustomer();
    const res = await call("/v1/models/a/b/c", { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
  });

  it("shows a long-context price tier where the model has one, null where it has none", async () => {
    const { key } = await newCustomer();
    const headers = { authorization: `Bearer ${key}` };
    const luna = (await (await call("/v1/models/openai/gpt-6-luna", { headers })).json()) as ModelObject;
    expect(luna.pricing).toEqual({
      prompt: 0.1,
      completion: 0.5,
      cached_prompt: 0.01,
      long_context: { above_tokens: 272_000, prompt: 0.2, completion: 0.75, cached_prompt: 0.02 },
      unit: "USD per 1M tokens",
    });
    const list = (await (await call("/v1/models", { headers })).json()) as { data: ModelObject[] };
    expect(list.data.find((m) => m.id === "anthropic/claude-haiku-5-5")!.pricing.long_context).toMatchObject({ above_tokens: 100_000, prompt: 0.5 });
    expect(list.data.find((m) => m.id === "mistral/mistral-small-latest")!.pricing.long_context).toBeNull();
  });

  it("requires a key", async () => {
    expect((await call("/v1/models")).status).toBe(401);
  });

  it("has an adapter for every catalogue provider and unique ids", () => {
    for (const m of CATALOGUE) for (const r of m.routes) expect(ADAPTERS[findEndpoint(r.endpoint)!.wire], `${m.id} via ${r.endpoint}`).toBeDefined();
    expect(new Set(CATALOGUE.map((m) => m.id)).size).toBe(CATALOGUE.length);
    for (const m of CATALOGUE) expect(m.id.startsWith(`${m.provider}/`)).toBe(true);
  });

  it("lists no model its provider has retired, and a current model of each family", () => {
    // Retired: Claude Sonnet 4.5 on 2026-11-30 (Anthropic), Gemini 2.5 Pro and Flash on 2026-12-01 (Google).
    const ids = CATALOGUE.flatMap((m) => m.routes.map((r) => r.upstreamModel));
    for (const retired of ["claude-sonnet-4-5", "gemini-2.5-pro", "gemini-2.5-flash"]) expect(ids).not.toContain(retired);
    expect(ids.some((id) => /^gemini-3/.test(id))).toBe(true);
    expect(ids.some((id) => /^claude-sonnet-5/.test(id))).toBe(true);
    // OpenAI's current GPT-6 lineup and Claude Haiku 5.5, which bill long prompts at higher prices.
    for (const current of ["gpt-6.2-astra", "gpt-6.2-sol", "gpt-6.1-terra", "gpt-6-luna", "claude-haiku-5-5"]) expect(ids).toContain(current);
    for (const m of CATALOGUE) expect(m.maxOutputTokens, m.id).toBeLessThanOrEqual(m.contextLength);
  });
});

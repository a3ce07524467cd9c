/**
 * Route planning on its own: which routes a request may use, in which order,
 * and the error that explains an empty plan. Models are built here so prices
 * and regions are known; the environment decides which endpoints are
 * configured; health is injected.
 */
import { describe, expect, it } from "vitest";
import { providerPreferencesSchema, type ProviderPreferences } from "../src/providers/routing-fields";
import { findEndpoint } from "../src/providers/endpoints";
import type { ModelEntry, Route } from "../src/providers/types";
import type { RouteState } from "../src/routing/health-view";
import { planRoutes, type Access, type PlanInput } from "../src/routing/plan";
import { ApiError } from "../src/shared/errors";
import { readModelRequest } from "../src/router/model-request";
import { chatCompletionRequestSchema } from "../src/providers/chat-schema";
import { SEED_CATALOGUE } from "../src/routing/catalogue";

const ENV = {
  OPENAI_BASE_URL: "http://openai",
  OPENAI_API_KEY: "k",
  MISTRAL_BASE_URL: "http://mistral-eu",
  MISTRAL_GLOBAL_BASE_URL: "http://mistral-global",
  MISTRAL_API_KEY: "k",
  ANTHROPIC_BASE_URL: "http://anthropic",
  ANTHROPIC_API_KEY: "k",
  GEMINI_BASE_URL: "http://gemini",
  GEMINI_API_KEY: "k",
} as unknown as Env;

function route(endpoint: string, price: number, upstreamModel = "m"): Route {
  return { endpoint, upstreamModel, region: findEndpoint(endpoint)!.region, pricing: { prompt: price, completion: price }, contextLength: 1000, maxOutputTokens: 100 };
}

function model(id: string, routes: Route[]): ModelEntry {
  return { id, provider: id.split("/")[0] as ModelEntry["provider"], name: id, routes, contextLength: 1000, maxOutputTokens: 100 };
}

/** EU first (dearest), then the global Mistral endpoint (cheapest), then OpenAI (US). */
const MIXED = model("mistral/mixed", [route("mistral-eu", 3), route("mistral-global", 1), route("openai", 2)]);
const EU_ONLY_MODEL = model("mistral/eu-only", [route("mistral-eu", 1)]);
const US_ONLY = model("openai/us-only", [route("openai", 1)]);
const GLOBAL_ONLY = model("google/global-only", [route("google", 1)]);

const CONSENT: Access = { nonEuConsent: true, euOnlyKey: false, allowedModels: null };
const NO_CONSENT: Access = { nonEuConsent: false, euOnlyKey: false, allowedModels: null };

interface Options {
  access?: Access;
  prefs?: ProviderPreferences;
  env?: Env;
  states?: Record<string, RouteState>;
  latencies?: Record<string, number>;
  maxOutput?: PlanInput["maxOutput"];
}

function input(models: ModelEntry[], o: Options = {}): PlanInput {
  return {
    models,
    prefs: o.prefs,
    access: o.access ?? CONSENT,
    env: o.env ?? ENV,
    health: { state: (key) => o.states?.[key] ?? "closed", latencyMs: (key) => o.latencies?.[key] ?? null },
    defaults: { firstByteMs: 1_000, idleMs: 2_000 },
    maxOutput: o.maxOutput ?? null,
    euModels: () => ["mistral/eu-only", "mistral/mixed"],
  };
}

/** The plan as "model endpoint" strings. */
const plan = (models: ModelEntry[], o: Options = {}) => planRoutes(input(models, o)).map((c) => `${c.model.id} ${c.route.endpoint}${c.probe ? " (probe)" : ""}`);
const endpoints = (models: ModelEntry[], o: Options = {}) => planRoutes(input(models, o)).map((c) => c.route.endpoint);

function refusal(models: ModelEntry[], o: Options = {}): ApiError {
  try {
    planRoutes(input(models, o));
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error("expected the plan to be refused");
}

describe("planRoutes: regions", () => {
  it("keeps the catalogue's order for a consenting account", () => {
    expect(endpoints([MIXED])).toEqual(["mistral-eu", "mistral-global", "openai"]);
  });

  it("keeps only EU routes for an account without consent", () => {
    expect(endpoints([MIXED], { access: NO_CONSENT })).toEqual(["mistral-eu"]);
  });

  it("refuses a model without an EU route with 403 consent_required, naming the models that run in the EU", () => {
    const err = refusal([US_ONLY], { access: NO_CONSENT });
    expect(err.status).toBe(403);
    expect(err.code).toBe("consent_required");
    expect(err.message).toContain("PUT /v1/account/consent");
    expect(err.message).toContain("mistral/eu-only, mistral/mixed");
  });

  it("names only the EU models the key may use", () => {
    const err = refusal([US_ONLY], { access: { ...NO_CONSENT, allowedModels: ["openai/us-only", "mistral/mixed"] } });
    expect(err.message).toContain("Models that run in the EU: mistral/mixed.");
    expect(err.message).not.toContain("mistral/eu-only");
    expect(refusal([US_ONLY], { access: { ...NO_CONSENT, allowedModels: ["openai/us-only"] } }).message).not.toContain("Models that run in the EU");
  });

  it("keeps only EU routes for an EU-only key, even with consent; 403 data_region_restricted when none", () => {
    const euKey = { ...CONSENT, euOnlyKey: true };
    expect(endpoints([MIXED], { access: euKey })).toEqual(["mistral-eu"]);
    const err = refusal([GLOBAL_ONLY], { access: euKey });
    expect(err.status).toBe(403);
    expect(err.code).toBe("data_region_restricted");
    expect(err.message).toContain("API key is restricted");
  });

  it("keeps only EU routes for provider.data_region 'eu', even with consent; 403 data_region_restricted when none", () => {
    expect(endpoints([MIXED], { prefs: { data_region: "eu" } })).toEqual(["mistral-eu"]);
    const err = refusal([US_ONLY], { prefs: { data_region: "eu" } });
    expect(err.code).toBe("data_region_restricted");
    expect(err.message).toContain("provider.data_region 'eu'");
  });

  it("says consent is what is missing when an account without consent also asked for data_region 'eu'", () => {
    expect(refusal([US_ONLY], { access: NO_CONSENT, prefs: { data_region: "eu" } }).code).toBe("consent_required");
  });
});

describe("planRoutes: provider preferences", () => {
  it("only: endpoint ids, and provider names standing for all their endpoints", () => {
    expect(endpoints([MIXED], { prefs: { only: ["mistral-global"] } })).toEqual(["mistral-global"]);
    expect(endpoints([MIXED], { prefs: { only: ["mistral"] } })).toEqual(["mistral-eu", "mistral-global"]);
    expect(endpoints([MIXED], { prefs: { only: ["openai", "mistral-eu"] } })).toEqual(["mistral-eu", "openai"]);
  });

  it("ignore: endpoint ids and provider names", () => {
    expect(endpoints([MIXED], { prefs: { ignore: ["mistral-eu"] } })).toEqual(["mistral-global", "openai"]);
    expect(endpoints([MIXED], { prefs: { ignore: ["mistral"] } })).toEqual(["openai"]);
  });

  it("only/ignore that leave nothing: 400 no_route_matches on 'provider', listing the model's endpoints", () => {
    const err = refusal([MIXED], { prefs: { only: ["anthropic"] } });
    expect(err.status).toBe(400);
    expect(err.code).toBe("no_route_matches");
    expect(err.param).toBe("provider");
    expect(err.message).toContain("mistral-eu, mistral-global, openai");
    expect(refusal([EU_ONLY_MODEL], { prefs: { ignore: ["mistral"] } }).code).toBe("no_route_matches");
  });

  it("only naming a route that exists outside the EU, without consent: 403 consent_required (what is missing), never that route", () => {
    expect(refusal([MIXED], { access: NO_CONSENT, prefs: { only: ["mistral-global"] } }).code).toBe("consent_required");
    expect(refusal([MIXED], { prefs: { only: ["openai"], data_region: "eu" } }).code).toBe("data_region_restricted");
  });

  it("only naming no route of the model at all: 400 no_route_matches, even without consent", () => {
    expect(refusal([US_ONLY], { access: NO_CONSENT, prefs: { only: ["anthropic"] } }).code).toBe("no_route_matches");
  });

  it("order: named endpoints first, in that order, the others after in the catalogue's order", () => {
    expect(endpoints([MIXED], { prefs: { order: ["openai"] } })).toEqual(["openai", "mistral-eu", "mistral-global"]);
    expect(endpoints([MIXED], { prefs: { order: ["mistral-global", "openai"] } })).toEqual(["mistral-global", "openai", "mistral-eu"]);
  });

  it("sort price: cheapest first (prompt + completion)", () => {
    expect(endpoints([MIXED], { prefs: { sort: "price" } })).toEqual(["mistral-global", "openai", "mistral-eu"]);
  });

  it("sort latency: fastest observed first, routes without a measure last", () => {
    const latencies = { "openai:m": 80, "mistral-global:m": 300 };
    expect(endpoints([MIXED], { prefs: { sort: "latency" }, latencies })).toEqual(["openai", "mistral-global", "mistral-eu"]);
  });

  it("order wins over sort for the endpoints it names", () => {
    expect(endpoints([MIXED], { prefs: { sort: "price", order: ["mistral-eu"] } })).toEqual(["mistral-eu", "mistral-global", "openai"]);
  });

  it("allow_fallbacks false: the first route of each model", () => {
    const other = model("openai/other", [route("openai", 1), route("anthropic", 1)]);
    expect(plan([MIXED, other], { prefs: { allow_fallbacks: false } })).toEqual(["mistral/mixed mistral-eu", "openai/other openai"]);
    expect(endpoints([MIXED], { prefs: { allow_fallbacks: false, sort: "price" } })).toEqual(["mistral-global"]);
  });

  it("allow_fallbacks false with order: the named endpoints only, in that order", () => {
    expect(endpoints([MIXED], { prefs: { allow_fallbacks: false, order: ["openai", "mistral-global"] } })).toEqual(["openai", "mistral-global"]);
    expect(refusal([EU_ONLY_MODEL], { prefs: { allow_fallbacks: false, order: ["openai"] } }).code).toBe("no_route_matches");
  });

  it("allow_fallbacks false does not reroute around a paused first route: 503 routes_unavailable", () => {
    const err = refusal([MIXED], { prefs: { allow_fallbacks: false }, states: { "mistral-eu:m": "open" } });
    expect(err.status).toBe(503);
    expect(err.code).toBe("routes_unavailable");
  });
});

describe("planRoutes: fallback models", () => {
  it("tries each model's routes in the order of the models list", () => {
    expect(plan([US_ONLY, EU_ONLY_MODEL, MIXED])).toEqual([
      "openai/us-only openai",
      "mistral/eu-only mistral-eu",
      "mistral/mixed mistral-eu",
      "mistral/mixed mistral-global",
      "mistral/mixed openai",
    ]);
  });

  it("a primary with no eligible route leaves its fallback models", () => {
    expect(plan([US_ONLY, EU_ONLY_MODEL], { access: NO_CONSENT })).toEqual(["mistral/eu-only mistral-eu"]);
  });

  it("names the primary model's reason when no model has a route", () => {
    const err = refusal([US_ONLY, GLOBAL_ONLY], { access: NO_CONSENT });
    expect(err.code).toBe("consent_required");
    expect(err.message).toContain("'openai/us-only'");
  });

  it("refuses a model the key may not use, naming where it was asked for", () => {
    const access = { ...CONSENT, allowedModels: ["mistral/mixed"] };
    const primary = refusal([US_ONLY], { access });
    expect(primary.status).toBe(403);
    expect(primary.code).toBe("model_not_allowed");
    expect(primary.param).toBe("model");
    expect(refusal([MIXED, EU_ONLY_MODEL, US_ONLY], { access }).param).toBe("models[0]");
    // The place in the body, even after a repeat of the primary.
    expect(refusal([MIXED, MIXED, US_ONLY], { access }).param).toBe("models[1]");
  });

  it("plans a model named twice once, in its first place", () => {
    expect(plan([EU_ONLY_MODEL, MIXED, EU_ONLY_MODEL], { access: NO_CONSENT })).toEqual(["mistral/eu-only mistral-eu", "mistral/mixed mistral-eu"]);
  });
});

describe("planRoutes: configuration and health", () => {
  it("skips an endpoint without a base URL or credential", () => {
    const env = { ...ENV, MISTRAL_GLOBAL_BASE_URL: undefined } as unknown as Env;
    expect(endpoints([MIXED], { env })).toEqual(["mistral-eu", "openai"]);
    const noKey = { ...ENV, OPENAI_API_KEY: "" } as unknown as Env;
    expect(endpoints([MIXED], { env: noKey })).toEqual(["mistral-eu", "mistral-global"]);
  });

  it("502 provider_not_configured when no configured endpoint is left", () => {
    const env = { ...ENV, OPENAI_BASE_URL: undefined } as unknown as Env;
    const err = refusal([US_ONLY], { env });
    expect(err.status).toBe(502);
    expect(err.code).toBe("provider_not_configured");
  });

  it("skips a route whose breaker is open; 503 routes_unavailable with Retry-After when all are", () => {
    expect(endpoints([MIXED], { states: { "mistral-eu:m": "open" } })).toEqual(["mistral-global", "openai"]);
    const err = refusal([EU_ONLY_MODEL], { states: { "mistral-eu:m": "open" } });
    expect(err.status).toBe(503);
    expect(err.code).toBe("routes_unavailable");
    expect(err.headers["retry-after"]).toBeDefined();
  });

  it("marks a half-open route as a probe, in its place", () => {
    expect(plan([MIXED], { states: { "mistral-global:m": "half_open" } })).toEqual(["mistral/mixed mistral-eu", "mistral/mixed mistral-global (probe)", "mistral/mixed openai"]);
  });

  it("gives each candidate its route's timeouts, or the defaults", () => {
    const timed = model("mistral/timed", [{ ...route("mistral-eu", 1), timeouts: { firstByteMs: 300 } }, route("mistral-global", 1)]);
    const [first, second] = planRoutes(input([timed]));
    expect([first!.firstByteTimeoutMs, first!.idleTimeoutMs, first!.config.timeoutMs]).toEqual([300, 2_000, 300]);
    expect([second!.firstByteTimeoutMs, second!.idleTimeoutMs]).toEqual([1_000, 2_000]);
  });
});

describe("routing fields: validation", () => {
  const parse = (provider: unknown) => providerPreferencesSchema.safeParse(provider);

  it("accepts endpoint ids and provider names in any case, lower-cased", () => {
    expect(parse({ only: ["Mistral", "OPENAI"] }).data).toEqual({ only: ["mistral", "openai"] });
  });

  it.each([
    [{ only: ["nope"] }, ["only", 0]],
    [{ ignore: ["openai", "mistra"] }, ["ignore", 1]],
    [{ order: [] }, ["order"]],
    [{ sort: "throughput" }, ["sort"]],
    [{ data_region: "us" }, ["data_region"]],
    [{ allow_fallbacks: "no" }, ["allow_fallbacks"]],
  ])("rejects %j at the field's path", (value, path) => {
    const result = parse(value);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(path);
  });

  it("rejects fields OpenRouter has that the router does not honour", () => {
    expect(parse({ quantizations: ["int8"] }).success).toBe(false);
  });

  const read = (body: unknown) =>
    readModelRequest(new Request("http://x", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }), chatCompletionRequestSchema, 100, SEED_CATALOGUE).then(
      () => null,
      (e: unknown) => e as ApiError,
    );
  const messages = [{ role: "user", content: "hi" }];

  it.each([
    [{ provider: { only: ["nope"] } }, 400, "provider.only[0]"],
    [{ provider: { sort: "fastest" } }, 400, "provider.sort"],
    [{ provider: { data_region: "us" } }, 400, "provider.data_region"],
    [{ provider: { colour: "red" } }, 400, "provider.colour"],
    [{ models: [] }, 400, "models"],
    [{ models: ["mistral/mistral-small-latest", 7] }, 400, "models[1]"],
    [{ models: ["mistral/mistral-small-latest", "acme/unknown"] }, 404, "models[1]"],
  ])("a request with %j is refused with %i, param '%s'", async (fields, status, param) => {
    const err = await read({ model: "mistral/mistral-large-latest", messages, ...fields });
    expect(err).toBeInstanceOf(ApiError);
    expect(err!.status).toBe(status);
    expect(err!.param).toBe(param);
    // A 400 names the field in its message; the 404 names the unknown model.
    expect(err!.message).toContain(status === 404 ? "'acme/unknown' does not exist" : param);
  });

  it("reads the models list in order after the model, each in its place", async () => {
    const { models } = await readModelRequest(
      new Request("http://x", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "mistral/mistral-large-latest", models: ["mistral/mistral-small-latest", "mistral/mistral-large-latest", "openai/gpt-4o-mini"], messages }),
      }),
      chatCompletionRequestSchema,
      100,
      SEED_CATALOGUE,
    );
    expect(models.map((m) => m.id)).toEqual(["mistral/mistral-large-latest", "mistral/mistral-small-latest", "mistral/mistral-large-latest", "openai/gpt-4o-mini"]);
  });
});

describe("planRoutes: the routes' output limits", () => {
  const withLimit = (endpoint: string, maxOutputTokens: number): Route => ({ ...route(endpoint, 1, `${endpoint}-model`), maxOutputTokens });
  const SPLIT = model("mistral/split", [withLimit("mistral-eu", 1_000), withLimit("mistral-global", 8_000)]);

  it("skips a route whose maxOutputTokens is below the requested maximum; without one, keeps every route", () => {
    expect(endpoints([SPLIT], { maxOutput: { tokens: 4_000, field: "max_tokens" } })).toEqual(["mistral-global"]);
    expect(endpoints([SPLIT], { maxOutput: { tokens: 1_000, field: "max_tokens" } })).toEqual(["mistral-eu", "mistral-global"]);
    expect(endpoints([SPLIT])).toEqual(["mistral-eu", "mistral-global"]);
  });

  it("answers 400 naming the field, with the largest limit among the routes this request may use", () => {
    const err = refusal([SPLIT], { maxOutput: { tokens: 9_000, field: "max_completion_tokens" } });
    expect(err.status).toBe(400);
    expect(err.param).toBe("max_completion_tokens");
    expect(err.code).toBe("invalid_value");
    expect(err.message).toContain("at most 8000");
    // Without consent only the EU route is left: its limit is the one that matters.
    const eu = refusal([SPLIT], { access: NO_CONSENT, maxOutput: { tokens: 4_000, field: "max_tokens" } });
    expect([eu.status, eu.param]).toEqual([400, "max_tokens"]);
    expect(eu.message).toContain("at most 1000");
  });

  it("a fallback model with a large enough route still serves", () => {
    const big = model("mistral/big", [withLimit("mistral-eu", 16_000)]);
    expect(plan([SPLIT, big], { maxOutput: { tokens: 9_000, field: "max_tokens" } })).toEqual(["mistral/big mistral-eu"]);
  });
});

describe("planRoutes: provider.zdr", () => {
  const zdrEnv = (value: unknown) => ({ ...ENV, PROVIDER_RETENTION: JSON.stringify(value) }) as unknown as Env;
  const ZDR = { zdr: true, days: 0, purposes: [], source: "contract" };

  it("keeps only the routes whose provider keeps nothing, as this router is configured", () => {
    const env = zdrEnv({ "mistral-global": ZDR });
    expect(endpoints([MIXED], { env, prefs: { zdr: true } })).toEqual(["mistral-global"]);
    // Without the field, or false, nothing changes.
    expect(endpoints([MIXED], { env, prefs: { zdr: false } })).toEqual(["mistral-eu", "mistral-global", "openai"]);
  });

  it("a route's own retention in the catalogue decides for it", () => {
    const excluded = model("mistral/excluded", [{ ...route("mistral-eu", 1), retention: { zdr: false, days: 30, purposes: ["abuse_monitoring"], source: "excluded" } }]);
    const err = refusal([excluded], { env: zdrEnv({ "mistral-eu": ZDR }), prefs: { zdr: true } });
    expect(err.code).toBe("no_zdr_route");
  });

  it("none left: 400 no_zdr_route on provider.zdr, naming each route and what its provider keeps", () => {
    const err = refusal([MIXED], { prefs: { zdr: true } });
    expect(err.status).toBe(400);
    expect(err.param).toBe("provider.zdr");
    expect(err.message).toContain("no route of 'mistral/mixed' has zero data retention on this router");
    expect(err.message).toContain("mistral-eu (keeps up to 30 days: abuse_monitoring)");
    expect(err.message).toContain("openai (keeps up to 30 days: abuse_monitoring, prompt_caching)");
  });

  it("comes before consent: a zero-retention route outside the EU still needs it", () => {
    expect(refusal([MIXED], { env: zdrEnv({ openai: ZDR }), access: NO_CONSENT, prefs: { zdr: true } }).code).toBe("consent_required");
    expect(refusal([US_ONLY], { access: NO_CONSENT, prefs: { zdr: true } }).code).toBe("no_zdr_route");
  });

  it("is a boolean in OpenRouter's provider object", () => {
    expect(providerPreferencesSchema.safeParse({ zdr: true }).success).toBe(true);
    expect(providerPreferencesSchema.safeParse({ zdr: "yes" }).success).toBe(false);
  });
});

describe("planRoutes: configuration before region", () => {
  const euUnconfigured = { ...ENV, MISTRAL_BASE_URL: undefined } as unknown as Env;

  it("an account without consent whose model's EU routes are not configured here, but a route outside the EU is: 403 consent_required", () => {
    const err = refusal([MIXED], { env: euUnconfigured, access: NO_CONSENT });
    expect(err.status).toBe(403);
    expect(err.code).toBe("consent_required");
    // With consent the configured route outside the EU serves it.
    expect(endpoints([MIXED], { env: euUnconfigured })).toEqual(["mistral-global", "openai"]);
  });

  it("no configured route at all: 502 provider_not_configured, with or without consent", () => {
    const none = { ...ENV, MISTRAL_BASE_URL: undefined, MISTRAL_GLOBAL_BASE_URL: undefined, OPENAI_BASE_URL: undefined } as unknown as Env;
    expect(refusal([MIXED], { env: none, access: NO_CONSENT }).code).toBe("provider_not_configured");
    expect(refusal([MIXED], { env: none }).code).toBe("provider_not_configured");
  });

  it("an unconfigured primary leaves the configured fallback models", () => {
    const env = { ...ENV, OPENAI_BASE_URL: undefined } as unknown as Env;
    expect(plan([US_ONLY, EU_ONLY_MODEL], { env })).toEqual(["mistral/eu-only mistral-eu"]);
  });
});

import { Hono } from "hono";
import { customerPricing, markupBps, type MarkupBps } from "../../billing/price";
import { retentionOf } from "../../providers/route-retention";
import type { ModelEntry, ModelPricing, Route } from "../../providers/types";
import { routeAvailable } from "../../routing/availability";
import type { Catalogue } from "../../routing/catalogue";
import { currentCatalogue } from "../../routing/catalogue-store";
import { errors } from "../../shared/errors";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";

/** Catalogue release date, used as OpenAI's `created` for every model. */
const CATALOGUE_CREATED = 1_767_225_600; // 2026-01-01T00:00:00Z

/**
 * The customer's prices (src/billing/price.ts): the route's provider cost
 * plus the operator's markup, never the cost itself. long_context: the
 * prices of the whole request when its prompt has more than above_tokens tokens.
 */
function toPricingObject(cost: ModelPricing, bps: MarkupBps) {
  const p = customerPricing(cost, bps);
  const long = p.longContext;
  return {
    prompt: p.prompt,
    completion: p.completion,
    cached_prompt: p.cachedPrompt ?? null,
    long_context: long
      ? { above_tokens: long.aboveTokens, prompt: long.prompt, completion: long.completion, cached_prompt: long.cachedPrompt ?? null }
      : null,
    unit: "USD per 1M tokens",
  };
}

/**
 * retention: what the provider keeps on this route as this router is
 * configured, with where that is stated (source) and who states it (origin:
 * the provider's published terms, the operator's contract, or the catalogue).
 * available: whether this router serves the route (its endpoint configured);
 * an unavailable route is listed so that clients see where the model could run.
 */
function toRouteObject(r: Route, env: Env, bps: MarkupBps) {
  const { zdr, days, purposes, source, origin } = retentionOf(r, env);
  return {
    endpoint: r.endpoint,
    upstream_model: r.upstreamModel,
    data_region: r.region,
    available: routeAvailable(r, env),
    context_length: r.contextLength,
    max_output_tokens: r.maxOutputTokens,
    pricing: toPricingObject(r.pricing, bps),
    retention: { zdr, days, purposes, source, origin },
  };
}

/**
 * A model as /v1/models shows it: OpenAI's model object, plus its routes in
 * the order they are tried (endpoint, region, prices, limits, retention,
 * availability here) and the regions it can run in on this router. The
 * top-level upstream_model and pricing are the first available route's, the
 * one a request uses when nothing fails (the catalogue's first route when
 * none is available); data_region is "eu" when an
 * available route runs in the EU (such a model needs no consent), and
 * requires_consent is true otherwise, even when the catalogue lists an EU
 * route that this router does not serve. kind says which endpoints serve
 * the model (chat, or embedding: POST /v1/embeddings), and embedding its
 * vector size.
 */
function toModelObject(m: ModelEntry, env: Env, bps: MarkupBps) {
  const routes = m.routes.map((r) => toRouteObject(r, env, bps));
  const served = m.routes.filter((_, i) => routes[i]!.available);
  const first = served[0] ?? m.routes[0]!;
  const regions = [...new Set(served.map((r) => r.region))];
  const eu = regions.includes("eu");
  return {
    id: m.id,
    object: "model",
    created: CATALOGUE_CREATED,
    owned_by: m.provider,
    name: m.name,
    provider: m.provider,
    upstream_model: first.upstreamModel,
    kind: m.embedding ? "embedding" : "chat",
    context_length: m.contextLength,
    max_output_tokens: m.maxOutputTokens,
    // An embedding model's price is pricing.prompt, per million input tokens.
    embedding: m.embedding ? { dimensions: m.embedding.dimensions, min_dimensions: m.embedding.minDimensions ?? null } : null,
    pricing: toPricingObject(first.pricing, bps),
    available: served.length > 0,
    // null: no route of the model is served here.
    data_region: eu ? "eu" : (served[0]?.region ?? null),
    data_regions: regions,
    requires_consent: !eu,
    routes,
  };
}

// A catalogue does not change once built, nor an env while its isolate
// lives: serialise the list once per pair and markup, not per request. The
// markup is part of the key because it is what prices depend on: an env
// whose PRICE_MARKUP_PERCENT changes (tests do) gets its own body.
const listBodies = new WeakMap<Catalogue, WeakMap<object, Map<MarkupBps, string>>>();

/**
 * An invalid PRICE_MARKUP_PERCENT throws from markupBps: a configuration
 * error, logged by onError, and a 500 for every priced request until it is
 * fixed (docs/billing.md), rather than prices without the fee.
 */
function listBody(catalogue: Catalogue, env: Env): string {
  const bps = markupBps(env);
  let byEnv = listBodies.get(catalogue);
  if (!byEnv) listBodies.set(catalogue, (byEnv = new WeakMap()));
  let byMarkup = byEnv.get(env);
  if (!byMarkup) byEnv.set(env, (byMarkup = new Map()));
  let body = byMarkup.get(bps);
  if (body === undefined) {
    body = JSON.stringify({ object: "list", data: catalogue.models.map((m) => toModelObject(m, env, bps)) });
    byMarkup.set(bps, body);
  }
  return body;
}

export const modelsRoutes = new Hono<AppEnv>()
  .use(apiKeyAuth("inference"))
  .get("/", async (c) => {
    const catalogue = await currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p));
    return c.body(listBody(catalogue, c.env), 200, { "content-type": "application/json" });
  })
  // One parameter for the whole rest of the path: ids contain "/" and the
  // official SDKs percent-encode it (`GET /v1/models/mistral%2Fmistral-small-latest`),
  // so both the plain and the encoded form arrive here; param() decodes %2F.
  .get("/:id{.+}", async (c) => {
    const id = c.req.param("id");
    const catalogue = await currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p));
    const model = catalogue.find(id);
    if (!model) throw errors.notFound(`The model '${id}' does not exist.`, "model_not_found", "model");
    return c.json(toModelObject(model, c.env, markupBps(c.env)));
  });

import { Hono } from "hono";
import type { ModelEntry, ModelPricing, Route } from "../../providers/types";
import type { Catalogue } from "../../routing/catalogue";
import { currentCatalogue } from "../../routing/catalogue-store";
import { errors } from "../../shared/errors";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";

/** Catalogue release date, used as OpenAI's `created` for every model. */
const CATALOGUE_CREATED = 1_767_225_600; // 2026-01-01T00:00:00Z

/** long_context: the prices of the whole request when its prompt has more than above_tokens tokens. */
function toPricingObject(p: ModelPricing) {
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

function toRouteObject(r: Route) {
  return {
    endpoint: r.endpoint,
    upstream_model: r.upstreamModel,
    data_region: r.region,
    context_length: r.contextLength,
    max_output_tokens: r.maxOutputTokens,
    pricing: toPricingObject(r.pricing),
  };
}

/**
 * A model as /v1/models shows it: OpenAI's model object, plus its routes in
 * the order they are tried (endpoint, region, prices, limits) and the regions
 * it can run in. The top-level upstream_model and pricing are the first
 * route's, the one a request uses when nothing fails; data_region is "eu" when
 * any route runs in the EU (such a model needs no consent).
 */
function toModelObject(m: ModelEntry) {
  const first = m.routes[0]!;
  const regions = [...new Set(m.routes.map((r) => r.region))];
  const eu = regions.includes("eu");
  return {
    id: m.id,
    object: "model",
    created: CATALOGUE_CREATED,
    owned_by: m.provider,
    name: m.name,
    provider: m.provider,
    upstream_model: first.upstreamModel,
    context_length: m.contextLength,
    max_output_tokens: m.maxOutputTokens,
    pricing: toPricingObject(first.pricing),
    data_region: eu ? "eu" : first.region,
    data_regions: regions,
    requires_consent: !eu,
    routes: m.routes.map(toRouteObject),
  };
}

// A catalogue does not change once built: serialise its list once, not per request.
const listBodies = new WeakMap<Catalogue, string>();

function listBody(catalogue: Catalogue): string {
  let body = listBodies.get(catalogue);
  if (body === undefined) {
    body = JSON.stringify({ object: "list", data: catalogue.models.map(toModelObject) });
    listBodies.set(catalogue, body);
  }
  return body;
}

export const modelsRoutes = new Hono<AppEnv>()
  .use(apiKeyAuth("inference"))
  .get("/", async (c) => {
    const catalogue = await currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p));
    return c.body(listBody(catalogue), 200, { "content-type": "application/json" });
  })
  // One parameter for the whole rest of the path: ids contain "/" and the
  // official SDKs percent-encode it (`GET /v1/models/mistral%2Fmistral-small-latest`),
  // so both the plain and the encoded form arrive here; param() decodes %2F.
  .get("/:id{.+}", async (c) => {
    const id = c.req.param("id");
    const catalogue = await currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p));
    const model = catalogue.find(id);
    if (!model) throw errors.notFound(`The model '${id}' does not exist.`, "model_not_found", "model");
    return c.json(toModelObject(model));
  });

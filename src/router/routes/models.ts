import { Hono } from "hono";
import { CATALOGUE, findModel } from "../../providers/catalogue";
import type { ModelEntry, ModelPricing } from "../../providers/types";
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

function toModelObject(m: ModelEntry) {
  return {
    id: m.id,
    object: "model",
    created: CATALOGUE_CREATED,
    owned_by: m.provider,
    name: m.name,
    provider: m.provider,
    upstream_model: m.upstreamModel,
    context_length: m.contextLength,
    max_output_tokens: m.maxOutputTokens,
    pricing: toPricingObject(m.pricing),
    data_region: m.region,
    requires_consent: m.region !== "eu",
  };
}

// The catalogue is static per deployment: serialise it once, not per request.
const LIST_BODY = JSON.stringify({ object: "list", data: CATALOGUE.map(toModelObject) });

export const modelsRoutes = new Hono<AppEnv>()
  .use(apiKeyAuth("inference"))
  .get("/", (c) => c.body(LIST_BODY, 200, { "content-type": "application/json" }))
  // One parameter for the whole rest of the path: ids contain "/" and the
  // official SDKs percent-encode it (`GET /v1/models/mistral%2Fmistral-small-latest`),
  // so both the plain and the encoded form arrive here; param() decodes %2F.
  .get("/:id{.+}", (c) => {
    const id = c.req.param("id");
    const model = findModel(id);
    if (!model) throw errors.notFound(`The model '${id}' does not exist.`, "model_not_found", "model");
    return c.json(toModelObject(model));
  });

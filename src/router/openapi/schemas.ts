/**
 * Response shapes for the OpenAPI document, where no zod schema exists because
 * the route builds its answer with a view function (src/self-service/views.ts,
 * routes/models.ts, routes/generation.ts, ...). Objects are open (extra fields
 * allowed), so a field a view gains does not make the document lie; a test
 * parses real responses with these schemas, so a field a view loses or
 * retypes does.
 */
import { z } from "@hono/zod-openapi";
import { ACCOUNT_STATUSES, BUDGET_PERIODS, KEY_DATA_REGIONS, KEY_SCOPES, KEY_STATUSES, TIERS } from "../../db/schema";

const timestamp = z.iso.datetime().meta({ description: "ISO 8601" });
const nullableTimestamp = timestamp.nullable();

export const billingAddressSchema = z.object({
  line1: z.string().optional(),
  line2: z.string().optional(),
  city: z.string().optional(),
  postal_code: z.string().optional(),
  country: z.string().optional(),
});

export const accountSchema = z
  .object({
    id: z.string(),
    object: z.literal("account"),
    email: z.string(),
    name: z.string(),
    company: z.string().nullable(),
    billing_address: billingAddressSchema.nullable(),
    tier: z.enum(TIERS),
    status: z.enum(ACCOUNT_STATUSES),
    created_at: timestamp,
    updated_at: timestamp,
    closed_at: nullableTimestamp,
  })
  .meta({ id: "Account" });

export const accountListSchema = z.object({ object: z.literal("list"), data: z.array(accountSchema) }).meta({ id: "AccountList" });

export const keyBudgetSchema = z
  .object({
    limit_usd: z.number().meta({ description: "Most the key may spend per period, USD of customer price" }),
    period: z.enum(BUDGET_PERIODS).meta({ description: "Resets at the start of each UTC day, ISO week (Monday) or calendar month" }),
    spent_usd: z.number().meta({ description: "Settled spend in the current period" }),
    remaining_usd: z.number().meta({ description: "limit - spent - what requests in flight hold; 0 or more" }),
    resets_at: timestamp.meta({ description: "Start of the next period" }),
  })
  .meta({ id: "KeyBudget", description: "A key's spend budget: a request that would go beyond it gets 402 budget_exceeded." });

export const apiKeySchema = z
  .object({
    id: z.string(),
    object: z.literal("api_key"),
    account_id: z.string(),
    name: z.string().nullable(),
    prefix: z.string().meta({ description: "The key's first characters, to recognise it; never the key" }),
    status: z.enum(KEY_STATUSES),
    scopes: z.array(z.enum(KEY_SCOPES)),
    limits: z.object({ rpm: z.number().int().nullable(), tpm: z.number().int().nullable(), concurrency: z.number().int().nullable() }),
    models: z.array(z.string()).nullable().meta({ description: "Model allow-list; null: every model" }),
    data_region: z.enum(KEY_DATA_REGIONS).nullable().meta({ description: "\"eu\": EU-hosted routes only" }),
    created_at: timestamp,
    last_used_at: nullableTimestamp,
    expires_at: nullableTimestamp,
    revoked_at: nullableTimestamp,
    revoked_reason: z.string().nullable().meta({ description: "customer, admin, leaked:<source>, ..." }),
    replaced_by: z.string().nullable().meta({ description: "Set on a key rotated out: its replacement; this key stops at expires_at" }),
    rotation_due: z.boolean().meta({ description: "Active and older than 90 days: rotate it" }),
    budget: keyBudgetSchema.nullable().meta({ description: "Spend budget; null: none" }),
    cache_ttl: z.number().int().nullable().meta({ description: "Default response-cache TTL in seconds (1-86400) for requests that send no x-emby-cache-ttl; null: none" }),
  })
  .meta({ id: "ApiKey", description: "A key's metadata: never the key itself, nor its hash." });

export const createdApiKeySchema = apiKeySchema
  .extend({ key: z.string().meta({ description: "The key itself, shown only in this response" }) })
  .meta({ id: "CreatedApiKey" });

export const consentSchema = z
  .object({ object: z.literal("consent"), non_eu_transfer: z.boolean(), recorded_at: nullableTimestamp })
  .meta({ id: "Consent" });

const pricingSchema = z.object({
  prompt: z.number(),
  completion: z.number(),
  cached_prompt: z.number().nullable(),
  long_context: z
    .object({ above_tokens: z.number().int(), prompt: z.number(), completion: z.number(), cached_prompt: z.number().nullable() })
    .nullable()
    .meta({ description: "The prices of the whole request when its prompt has more than above_tokens tokens" }),
  unit: z.literal("USD per 1M tokens"),
}).meta({ description: "What the customer pays: the provider's price plus the service fee (PRICE_MARKUP_PERCENT), per million tokens. Balances, budgets and costs in logs and usage are at these prices." });

const modelRouteSchema = z.object({
  endpoint: z.string(),
  upstream_model: z.string(),
  data_region: z.string(),
  available: z.boolean().meta({ description: "Whether this router serves the route (its endpoint is configured)" }),
  context_length: z.number().int(),
  max_output_tokens: z.number().int(),
  pricing: pricingSchema,
  retention: z.object({ zdr: z.boolean(), days: z.number().nullable(), purposes: z.array(z.string()), source: z.string(), origin: z.string() }),
});

export const modelSchema = z
  .object({
    id: z.string().meta({ description: "provider/model, e.g. mistral/mistral-small-latest" }),
    object: z.literal("model"),
    created: z.number().int(),
    owned_by: z.string(),
    name: z.string(),
    provider: z.string(),
    upstream_model: z.string(),
    kind: z.enum(["chat", "embedding"]).meta({ description: "chat: the chat, messages and responses endpoints; embedding: POST /v1/embeddings only" }),
    context_length: z.number().int().meta({ description: "For an embedding model, the most tokens one input may have" }),
    max_output_tokens: z.number().int().meta({ description: "0 for an embedding model" }),
    embedding: z
      .object({
        dimensions: z.number().int().meta({ description: "The vector size the model returns by default" }),
        min_dimensions: z.number().int().nullable().meta({ description: "The fewest `dimensions` a request may ask for; null when the size is fixed" }),
      })
      .nullable()
      .meta({ description: "Embedding models only; their price is pricing.prompt per million input tokens" }),
    pricing: pricingSchema,
    available: z.boolean(),
    data_region: z.string().nullable(),
    data_regions: z.array(z.string()),
    requires_consent: z.boolean(),
    routes: z.array(modelRouteSchema).meta({ description: "In the order they are tried" }),
  })
  .meta({ id: "Model" });

export const modelListSchema = z.object({ object: z.literal("list"), data: z.array(modelSchema) }).meta({ id: "ModelList" });

const tokenCounts = {
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
  cached_tokens: z.number().int(),
  reasoning_tokens: z.number().int(),
};

export const usageSchema = z
  .object({
    object: z.literal("list"),
    start_date: z.string(),
    end_date: z.string(),
    data: z.array(z.object({ date: z.string(), model: z.string(), requests: z.number().int(), ...tokenCounts, cost_usd: z.number() })),
    total: z.object({ requests: z.number().int(), ...tokenCounts, cost_usd: z.number() }),
  })
  .meta({ id: "Usage" });

const creditTransactionSchema = z.object({
  id: z.string(),
  object: z.literal("credit_transaction"),
  kind: z.enum(["topup", "usage", "subscription", "refund", "adjustment"]),
  amount_usd: z.number().meta({ description: "Signed change to the balance; 0 for a subscription payment" }),
  requests: z.number().int().meta({ description: "Usage entries: the requests they settle (usage is debited in aggregates)" }),
  paid: z
    .object({ amount_minor: z.number().int(), currency: z.string() })
    .nullable()
    .meta({ description: "Money paid or refunded through Stripe, in the currency's minor unit (cents)" }),
  reference: z.string().nullable().meta({ description: "The Stripe object or the operator's reference; null for usage" }),
  created_at: z.string(),
  pending: z.boolean().meta({ description: "Held by the account's limiter until its next write to the billing ledger (seconds)" }),
});

export const creditsSchema = z
  .object({
    object: z.literal("credits"),
    currency: z.string(),
    balance_usd: z.number().meta({ description: "The sum of every transaction" }),
    reserved_usd: z.number().meta({ description: "Held by requests in flight at their estimated maximum price" }),
    available_usd: z.number().meta({ description: "balance_usd - reserved_usd: what new requests may spend" }),
    low_balance_threshold_usd: z.number().nullable(),
    transactions: z.array(creditTransactionSchema).meta({ description: "Newest first" }),
    has_more: z.boolean(),
    next_before: z.string().nullable().meta({ description: "Pass as `before` for the next, older page" }),
  })
  .meta({ id: "Credits" });

export const generationSchema = z
  .object({
    data: z.object({
      id: z.string(),
      object: z.literal("generation"),
      endpoint: z.string(),
      model: z.string().nullable(),
      provider: z.string().nullable(),
      provider_name: z.string().nullable(),
      route: z.string().nullable(),
      data_region: z.string().nullable(),
      upstream_model: z.string().nullable(),
      key_id: z.string().nullable(),
      status: z.number().int(),
      error_code: z.string().nullable(),
      streamed: z.boolean(),
      cancelled: z.boolean(),
      attempts: z.number().int(),
      attempt_log: z
        .array(z.object({ route: z.string(), upstream_model: z.string(), outcome: z.string(), status: z.number().int().nullable(), latency_ms: z.number() }))
        .nullable(),
      created_at: timestamp,
      first_byte_at: nullableTimestamp,
      completed_at: nullableTimestamp,
      latency_ms: z.number().nullable(),
      time_to_first_byte_ms: z.number().nullable(),
      usage: z.object({
        prompt_tokens: z.number().int(),
        completion_tokens: z.number().int(),
        total_tokens: z.number().int(),
        prompt_tokens_details: z.object({ cached_tokens: z.number().int() }),
        completion_tokens_details: z.object({ reasoning_tokens: z.number().int() }),
      }),
      usage_estimated: z.boolean(),
      total_cost: z.number().meta({ description: "USD" }),
      ip: z.string().nullable(),
      user_agent: z.string().nullable(),
      edge_location: z.string().nullable(),
    }),
  })
  .meta({ id: "Generation" });

export const catalogueSchema = z
  .object({
    object: z.literal("catalogue"),
    version: z.number().int(),
    source: z.enum(["seed", "operator"]),
    created_at: nullableTimestamp,
    comment: z.string().nullable(),
    models: z.unknown().meta({ description: "The catalogue document's models (as stored, when it does not validate)" }),
    error: z.object({ param: z.string().nullable(), message: z.string() }).nullable(),
  })
  .meta({ id: "Catalogue" });

export const catalogueVersionsSchema = z
  .object({
    object: z.literal("list"),
    data: z.array(
      z.object({
        version: z.number().int(),
        created_at: timestamp,
        actor: z.string(),
        comment: z.string().nullable(),
        source: z.enum(["seed", "operator"]),
        models: z.number().int().meta({ description: "How many models the version holds" }),
      }),
    ),
  })
  .meta({ id: "CatalogueVersions" });

export const healthSchema = z.object({ status: z.literal("ok") }).meta({ id: "Health" });

/** Bodies this document does not spell out field by field (provider formats, documented elsewhere). */
export const openObject = (description: string) => z.record(z.string(), z.unknown()).meta({ description });

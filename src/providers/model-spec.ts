/**
 * The catalogue as data: the shape of a model in the seed catalogue (code)
 * and in an operator's catalogue update (JSON, validated here), and how it
 * becomes the ModelEntry the router uses. A route may leave out its context
 * length and output limit (the model's apply) and its region (its
 * endpoint's). A route can never claim a better region than its endpoint's:
 * that claim rests on the provider's document cited in endpoints.ts.
 */
import { z } from "zod";
import { findEndpoint } from "./endpoints";
import { retentionSchema } from "./retention";
import { DATA_REGIONS, type ModelEntry, type Route } from "./types";
import { publisherModel } from "./vertex/paths";

const PROVIDER_IDS = ["openai", "mistral", "anthropic", "google"] as const;

/** USD per million tokens, at most six decimals (cost.ts computes in micro-USD). */
const price = z
  .number()
  .nonnegative()
  .max(100_000)
  .refine((p) => Math.abs(p * 1e6 - Math.round(p * 1e6)) < 1e-6, { message: "at most six decimals" });

const pricingSchema = z
  .object({
    prompt: price,
    completion: price,
    cachedPrompt: price.optional(),
    longContext: z
      .object({ aboveTokens: z.number().int().positive(), prompt: price, completion: price, cachedPrompt: price.optional() })
      .strict()
      .optional(),
  })
  .strict();

const tokens = z.number().int().positive().max(100_000_000);
const timeoutMs = z.number().int().min(100).max(600_000);

export const routeSpecSchema = z
  .object({
    endpoint: z.string().refine((id) => findEndpoint(id) !== undefined, { message: "unknown endpoint" }),
    // "@" for Vertex AI's Claude ids (claude-sonnet-4-5@20250929).
    upstreamModel: z.string().regex(/^[A-Za-z0-9._:/@-]{1,128}$/),
    region: z.enum(DATA_REGIONS as [string, ...string[]]).optional(),
    pricing: pricingSchema,
    contextLength: tokens.optional(),
    maxOutputTokens: tokens.optional(),
    timeouts: z.object({ firstByteMs: timeoutMs.optional(), idleMs: timeoutMs.optional() }).strict().optional(),
    /** What the provider keeps on this route, when it differs from its endpoint's (route-retention.ts). */
    retention: retentionSchema.optional(),
  })
  .strict()
  // A Vertex AI route names its publisher, which decides its URL and format (vertex/paths.ts).
  .refine((r) => findEndpoint(r.endpoint)?.wire !== "vertex" || publisherModel(r.upstreamModel) !== null, {
    message: "a Vertex AI route's upstreamModel is 'google/<model>' or 'anthropic/<model>'",
    path: ["upstreamModel"],
  });

const dimensions = z.number().int().positive().max(65_536);

/** An embedding model's vector size; minDimensions when a request may ask for fewer (`dimensions`). */
const embeddingSchema = z
  .object({ dimensions, minDimensions: dimensions.optional() })
  .strict()
  .refine((e) => e.minDimensions === undefined || e.minDimensions <= e.dimensions, { message: "minDimensions is above dimensions", path: ["minDimensions"] });

export const modelSpecSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]{1,32}\/[A-Za-z0-9._:-]{1,96}$/),
    provider: z.enum(PROVIDER_IDS),
    name: z.string().min(1).max(100),
    /** For an embedding model: the most tokens one input may have. */
    contextLength: tokens,
    /** Required for a chat model; an embedding model generates no tokens and has none. */
    maxOutputTokens: tokens.optional(),
    /** Makes the model an embedding model (POST /v1/embeddings only). */
    embedding: embeddingSchema.optional(),
    routes: z.array(routeSpecSchema).min(1).max(8),
  })
  .strict()
  .refine((m) => m.id.startsWith(`${m.provider}/`), { message: "the id's prefix must be the provider", path: ["id"] })
  .refine((m) => (m.embedding ? m.maxOutputTokens === undefined : m.maxOutputTokens !== undefined), {
    message: "a chat model needs maxOutputTokens; an embedding model has none",
    path: ["maxOutputTokens"],
  });

export type RouteSpec = z.input<typeof routeSpecSchema>;
export type ModelSpec = z.input<typeof modelSpecSchema>;

/** Throws on a route whose region claim is better than its endpoint's, or duplicated routes. */
export function toModelEntry(spec: ModelSpec): ModelEntry {
  const seen = new Set<string>();
  const routes = spec.routes.map((r, i): Route => {
    const endpoint = findEndpoint(r.endpoint);
    if (!endpoint) throw new Error(`${spec.id}: routes[${i}]: unknown endpoint '${r.endpoint}'`);
    const region = (r.region ?? endpoint.region) as Route["region"];
    if (region === "eu" && endpoint.region !== "eu") {
      throw new Error(`${spec.id}: routes[${i}]: endpoint '${endpoint.id}' processes in '${endpoint.region}'; a route on it cannot claim 'eu'`);
    }
    const key = `${r.endpoint}:${r.upstreamModel}`;
    if (seen.has(key)) throw new Error(`${spec.id}: routes[${i}]: duplicate route ${key}`);
    seen.add(key);
    return {
      endpoint: r.endpoint,
      upstreamModel: r.upstreamModel,
      region,
      pricing: r.pricing,
      contextLength: r.contextLength ?? spec.contextLength,
      maxOutputTokens: spec.embedding ? 0 : (r.maxOutputTokens ?? spec.maxOutputTokens ?? 0),
      ...(r.timeouts ? { timeouts: r.timeouts } : {}),
      ...(r.retention ? { retention: r.retention } : {}),
    };
  });
  return {
    id: spec.id,
    provider: spec.provider,
    name: spec.name,
    routes,
    contextLength: Math.max(...routes.map((r) => r.contextLength)),
    maxOutputTokens: Math.max(...routes.map((r) => r.maxOutputTokens)),
    ...(spec.embedding ? { embedding: spec.embedding } : {}),
  };
}

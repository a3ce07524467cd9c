/**
 * The routing preferences a request body may carry, in OpenRouter's shape so
 * its clients work unchanged: a `provider` object and a `models` fallback
 * list. Both stay with the router: no adapter sends them upstream.
 * Endpoint names are checked against the endpoints the router knows, so a
 * typo is a 400 naming the field rather than a silent no-op.
 */
import { z } from "zod";
import { ENDPOINT_IDS } from "./endpoints";

/**
 * An endpoint id (`mistral-eu`) or a provider name that stands for all its
 * endpoints (`mistral` = `mistral-eu` and `mistral-global`).
 */
export const endpointMatches = (name: string, endpoint: string): boolean => endpoint === name || endpoint.startsWith(`${name}-`);

const endpointName = z
  .string()
  .min(1)
  .max(64)
  .refine((name) => ENDPOINT_IDS.some((id) => endpointMatches(name.toLowerCase(), id)), {
    error: (issue) => `unknown endpoint '${String(issue.input)}'; known: ${ENDPOINT_IDS.join(", ")}`,
  })
  .transform((name) => name.toLowerCase());

const endpointList = z.array(endpointName).min(1).max(16);

export const providerPreferencesSchema = z
  .object({
    /** Endpoints to try first, in this order; the model's other routes follow unless `only` or allow_fallbacks says otherwise. */
    order: endpointList.optional(),
    /** Only these endpoints. */
    only: endpointList.optional(),
    /** Never these endpoints. */
    ignore: endpointList.optional(),
    /** false: only the endpoints named in `order`, or the first eligible route when `order` names none (it may still be retried). Default true. */
    allow_fallbacks: z.boolean().optional(),
    /** Reorder eligible routes by price (cheapest first) or observed latency (fastest first). */
    sort: z.enum(["price", "latency"]).optional(),
    /** "eu": EU-hosted routes only, even for an account that consented to transfers. */
    data_region: z.literal("eu").optional(),
    /**
     * true: only routes whose provider keeps nothing once it has answered
     * (zero data retention, as this router is configured: route-retention.ts).
     * OpenRouter's field; false or absent does not restrict.
     */
    zdr: z.boolean().optional(),
  })
  .strict();

export type ProviderPreferences = z.infer<typeof providerPreferencesSchema>;

/** Fallback models, tried in order after `model`. */
export const fallbackModelsSchema = z.array(z.string().min(1).max(160)).min(1).max(8);

export const routingFields = {
  provider: providerPreferencesSchema.nullable().optional(),
  models: fallbackModelsSchema.nullable().optional(),
};

/** Request bodies of the customer key API (/v1/keys), re-exported by its route module. */
import { z } from "zod";
import { CACHE_MAX_TTL_S } from "../cache/ttl";
import { KEY_DATA_REGIONS, KEY_SCOPES } from "../db/schema";
import { budgetBody } from "./budget";

/** Longest grace period a rotation may give the old key: 7 days. */
export const MAX_GRACE_PERIOD_S = 7 * 24 * 60 * 60;
/** Grace period when the caller names none: 24 hours. */
export const DEFAULT_GRACE_PERIOD_S = 24 * 60 * 60;

const positiveInt = z.number().int().positive();
/** null: the account's tier limit. */
const limit = positiveInt.nullable();
const unique = <T>(items: T[]) => [...new Set(items)];

/** ISO 8601 or Unix seconds, in the future; null: never expires. */
const expiresAt = z
  .union([z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)), z.number().int().positive().transform((s) => s * 1000)])
  .refine((ms) => ms > Date.now(), { message: "must be in the future" })
  .nullable();

const limits = z.object({ rpm: limit, tpm: limit, concurrency: limit }).partial().strict();
/**
 * The key's default response-cache TTL (seconds), for requests that send no
 * `x-emby-cache-ttl`; null: none. Configuration, so a value over 24 hours is
 * refused rather than clamped as the header's is.
 */
const cacheTtl = z.number().int().min(1).max(CACHE_MAX_TTL_S).nullable();
/** Catalogue ids, checked against the catalogue in force by the handler; null: every model. */
const models = z.array(z.string().min(1).max(200)).min(1).max(500).transform(unique).nullable();

/**
 * POST /v1/keys. Every field left out takes the calling key's own value,
 * so a new key is the caller narrowed by what the body says.
 */
export const createKeyBody = z
  .object({
    name: z.string().max(100).optional(),
    expires_at: expiresAt.optional(),
    scopes: z.array(z.enum(KEY_SCOPES)).min(1).transform(unique).optional(),
    limits: limits.optional(),
    models: models.optional(),
    data_region: z.enum(KEY_DATA_REGIONS).nullable().optional(),
    /** Spend limit per UTC day, week or month; null: none. */
    budget: budgetBody.optional(),
    /** Not inherited from the caller: a key is opted in to the cache only when asked. */
    cache_ttl: cacheTtl.optional(),
  })
  .strict();
export type CreateKeyBody = z.infer<typeof createKeyBody>;

/** PATCH /v1/keys/{id}: renames, or narrows (see docs/keys.md). Scopes cannot change. */
export const updateKeyBody = z
  .object({
    name: z.string().max(100).optional(),
    expires_at: expiresAt.optional(),
    limits: limits.optional(),
    models: models.optional(),
    data_region: z.enum(KEY_DATA_REGIONS).nullable().optional(),
    budget: budgetBody.optional(),
    /** null withdraws the key's opt-in: the account's cached answers are deleted. */
    cache_ttl: cacheTtl.optional(),
  })
  .strict()
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: "Give at least one field to change." });
export type UpdateKeyBody = z.infer<typeof updateKeyBody>;

/** POST /v1/keys/{id}/rotate; the body may be left out altogether. */
export const rotateKeyBody = z
  .object({ grace_period_seconds: z.number().int().min(0).max(MAX_GRACE_PERIOD_S).default(DEFAULT_GRACE_PERIOD_S) })
  .strict();

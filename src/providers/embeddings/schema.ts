/**
 * The public request format of POST /v1/embeddings: OpenAI's Embeddings API
 * (`model`, `input`, `dimensions`, `encoding_format`, `user`) plus the
 * router's routing fields. Unknown fields are a 400 naming the field, as on
 * the chat endpoints.
 *
 * `input` is a string or an array of strings. OpenAI also takes token ids
 * (arrays of integers, in its own tokenizer's numbering); those are refused
 * with a 400: a route of another provider, or a fallback, could not read them,
 * and the router would not know what they say.
 */
import { z } from "zod";
import { routingFields } from "../routing-fields";

/** Most inputs in one request: OpenAI's bound ("any array must be 2048 dimensions or less"). */
export const MAX_EMBEDDING_INPUTS = 2_048;
/** Most tokens summed across a request's inputs: OpenAI's bound for all its embedding models. */
export const MAX_EMBEDDING_REQUEST_TOKENS = 300_000;

const isTokenIds = (v: unknown): boolean => Array.isArray(v) && v.length > 0 && v.every((t) => typeof t === "number");

/** A text to embed: OpenAI refuses an empty one. */
const text = z.string().min(1, { error: "an input cannot be an empty string" });

const inputSchema = z
  .unknown()
  .refine((v) => !(isTokenIds(v) || (Array.isArray(v) && v.some(isTokenIds))), {
    error: "token arrays are not accepted: send the text (a string or an array of strings); the router serves models of several providers, whose tokenizers differ",
  })
  .pipe(
    z.union([text, z.array(text).min(1).max(MAX_EMBEDDING_INPUTS)], {
      error: `must be a non-empty string or an array of 1 to ${MAX_EMBEDDING_INPUTS} non-empty strings`,
    }),
  );

export const embeddingRequestSchema = z
  .object({
    model: z.string().min(1),
    input: inputSchema,
    /** Fewer dimensions than the model's own, for models that take it (catalogue `embedding.minDimensions`). */
    dimensions: z.number().int().positive().optional(),
    /** base64: each vector as the base64 of its little-endian float32 bytes, as OpenAI sends it. */
    encoding_format: z.enum(["float", "base64"]).optional(),
    /** The end user's id, passed to providers that take it (OpenAI, Azure OpenAI). */
    user: z.string().max(256).optional(),
    ...routingFields,
  })
  .strict();

export type EmbeddingRequest = z.infer<typeof embeddingRequestSchema>;

/** The texts of a request, in order. */
export const inputsOf = (request: Pick<EmbeddingRequest, "input">): string[] => (typeof request.input === "string" ? [request.input] : request.input);

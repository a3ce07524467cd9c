/**
 * Reads a model request body cheapest check first: content type, size and one
 * JSON parse (readJsonBody), then the model id (404 for an unknown model before
 * anything else is looked at), then the number of messages, and only then the
 * full schema. A 10 MB body of tiny messages for a model that does not exist
 * costs one parse, not a validation of every message.
 */
import type { z } from "zod";
import { findModel } from "../providers/catalogue";
import type { ModelEntry } from "../providers/types";
import { errors } from "../shared/errors";
import { parseBody, readJsonBody } from "./body";

const fieldOf = (json: unknown, field: string): unknown =>
  json !== null && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>)[field] : undefined;

const unknownModel = (id: string) => errors.notFound(`The model '${id}' does not exist.`, "model_not_found", "model");

export async function readModelRequest<S extends z.ZodType<{ model: string }>>(
  request: Request,
  schema: S,
  maxMessages: number,
): Promise<{ body: z.infer<S>; model: ModelEntry }> {
  const json = await readJsonBody(request);
  const id = fieldOf(json, "model");
  // A missing or non-string model is left to the schema, which names the field.
  if (typeof id === "string" && !findModel(id)) throw unknownModel(id);
  const messages = fieldOf(json, "messages");
  if (Array.isArray(messages) && messages.length > maxMessages) {
    throw errors.invalidRequest(
      `Invalid 'messages': ${messages.length} messages; at most ${maxMessages} are accepted in one request.`,
      "messages",
      "array_above_max_length",
    );
  }
  const body = parseBody(json, schema);
  const model = findModel(body.model);
  if (!model) throw unknownModel(body.model);
  return { body, model };
}

/**
 * Reads a model request body cheapest check first: content type, size and one
 * JSON parse (readJsonBody), then the model id (404 for an unknown model before
 * anything else is looked at), then the number of messages, and only then the
 * full schema. A 10 MB body of tiny messages for a model that does not exist
 * costs one parse, not a validation of every message.
 */
import type { z } from "zod";
import type { ModelEntry } from "../providers/types";
import type { Catalogue } from "../routing/catalogue";
import { errors } from "../shared/errors";
import { parseBody, readJsonBody } from "./body";

const fieldOf = (json: unknown, field: string): unknown =>
  json !== null && typeof json === "object" && !Array.isArray(json) ? (json as Record<string, unknown>)[field] : undefined;

const unknownModel = (id: string, param = "model") => errors.notFound(`The model '${id}' does not exist.`, "model_not_found", param);

/**
 * The body, and the models it names: `model` first, then the fallback
 * `models` in their order, each from the catalogue. Duplicates stay, so an
 * index is the field's place in the body (planning skips a repeat).
 */
export async function readModelRequest<S extends z.ZodType<{ model: string; models?: string[] | null | undefined }>>(
  request: Request,
  schema: S,
  maxMessages: number,
  catalogue: Catalogue,
  /** The body's list of turns: `messages`, or `input` for the Responses API. */
  listField = "messages",
): Promise<{ body: z.infer<S>; models: ModelEntry[] }> {
  const json = await readJsonBody(request);
  const id = fieldOf(json, "model");
  // A missing or non-string model is left to the schema, which names the field.
  if (typeof id === "string" && !catalogue.find(id)) throw unknownModel(id);
  const messages = fieldOf(json, listField);
  if (Array.isArray(messages) && messages.length > maxMessages) {
    throw errors.invalidRequest(
      `Invalid '${listField}': ${messages.length} items; at most ${maxMessages} are accepted in one request.`,
      listField,
      "array_above_max_length",
    );
  }
  const body = parseBody(json, schema);
  const models: ModelEntry[] = [];
  for (const [i, name] of [body.model, ...(body.models ?? [])].entries()) {
    const model = catalogue.find(name);
    if (!model) throw unknownModel(name, i === 0 ? "model" : `models[${i - 1}]`);
    models.push(model);
  }
  return { body, models };
}

/**
 * Reads a model request body cheapest check first: content type, size and one
 * JSON parse (readJsonBody), then the model id (404 for an unknown model before
 * anything else is looked at) and its kind (a chat endpoint refuses an
 * embedding model, and /v1/embeddings a chat model), then the number of
 * messages, and only then the full schema. A 10 MB body of tiny messages for a model that does not exist
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

/** What an endpoint serves: chat models (the chat, messages and responses endpoints) or embedding models (/v1/embeddings). */
export type ModelKind = "chat" | "embedding";

/**
 * A model of the other kind is a 400 naming the endpoint that serves it
 * (OpenAI answers an embedding model on its chat endpoint with "This is not
 * a chat model"; the router says which endpoint to call instead).
 */
function checkKind(model: ModelEntry, kind: ModelKind, param: string): void {
  if ((model.embedding ? "embedding" : "chat") === kind) return;
  const message = kind === "chat"
    ? `The model '${model.id}' is an embedding model, not a chat model: call POST /v1/embeddings with it.`
    : `The model '${model.id}' is not an embedding model: POST /v1/embeddings serves embedding models only (GET /v1/models lists each model's kind).`;
  throw errors.invalidRequest(message, param, "model_not_supported");
}

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
  options: {
    /** The body's list the length check counts: `messages`, or `input` (Responses API, embeddings). */
    listField?: string;
    /** What the endpoint serves: a model of the other kind is a 400. */
    kind?: ModelKind;
  } = {},
): Promise<{ body: z.infer<S>; models: ModelEntry[]; json: unknown }> {
  const json = await readJsonBody(request);
  const id = fieldOf(json, "model");
  // A missing or non-string model is left to the schema, which names the field.
  const { listField = "messages", kind = "chat" } = options;
  if (typeof id === "string") {
    const model = catalogue.find(id);
    if (!model) throw unknownModel(id);
    checkKind(model, kind, "model");
  }
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
    const param = i === 0 ? "model" : `models[${i - 1}]`;
    const model = catalogue.find(name);
    if (!model) throw unknownModel(name, param);
    checkKind(model, kind, param);
    models.push(model);
  }
  // The body as sent, before the schema shaped it: the response cache's key is made from it.
  return { body, models, json };
}

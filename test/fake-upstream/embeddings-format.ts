/**
 * Embeddings in each provider's wire format, as its documentation describes it:
 * - OpenAI (`/v1/embeddings` on the openai and openai-eu labels): `{model,
 *   input, dimensions?, encoding_format?, user?}` → `{object: "list", data:
 *   [{object: "embedding", index, embedding}], model, usage: {prompt_tokens,
 *   total_tokens}}`; base64 when asked; unknown fields a 400.
 * - Mistral (`/v1/embeddings` on a mistral* label): `{model, input,
 *   output_dimension?, output_dtype?, encoding_format?}`, other fields a 422;
 *   usage with completion_tokens 0; mistral-embed takes no output_dimension.
 * - Azure OpenAI (`/openai/v1/embeddings`): OpenAI's body, `api-key`, the
 *   deployment as model (a deployment named "missing…" is a 404).
 * - Gemini (`/v1beta/models/{m}:batchEmbedContents`): `requests[]` each
 *   naming `models/{m}`, at most 100; `embeddings[].values`, no usage.
 * - Vertex AI (`…/publishers/google/models/{m}:predict`): `instances[].content`,
 *   `parameters.outputDimensionality`; one instance per request for
 *   gemini-embedding-001; `predictions[].embeddings.{values, statistics}`.
 * Vectors are fakeVector(text, dimensions); failures by `fake:{...}` directives.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { azureErrorBody } from "./azure-format.ts";
import { defaultDimensions, fakeTokens, fakeVector } from "./embedding-vectors.ts";
import { geminiError, sendJson } from "./gemini-format.ts";
import { validAccessToken } from "./google-oauth.ts";
import { errorBody } from "./openai-format.ts";
import { answerFailureScenario, sendAnswer, type Scenario } from "./scenario.ts";

type Body = Record<string, unknown>;

const OPENAI_FIELDS = new Set(["model", "input", "dimensions", "encoding_format", "user"]);
const MISTRAL_FIELDS = new Set(["model", "input", "output_dimension", "output_dtype", "encoding_format", "metadata"]);

const texts = (input: unknown): string[] | null =>
  typeof input === "string" ? [input] : Array.isArray(input) && input.length > 0 && input.every((t) => typeof t === "string") ? (input as string[]) : null;

function base64(vector: number[]): string {
  const buf = Buffer.alloc(vector.length * 4);
  vector.forEach((v, i) => buf.writeFloatLE(v, i * 4));
  return buf.toString("base64");
}

/** OpenAI, Mistral and Azure OpenAI: one format, three dialects. */
export async function handleOpenAIEmbeddings(dialect: "openai" | "mistral" | "azure", req: IncomingMessage, res: ServerResponse, body: Body, scenario: Scenario): Promise<void> {
  const error = (status: number, message: string) => (dialect === "azure" ? azureErrorBody(status, message) : errorBody(dialect, status, message));
  if (dialect === "azure" ? !req.headers["api-key"] : !/^Bearer \S+$/.test(req.headers.authorization ?? "")) return sendJson(res, 401, error(401, "Incorrect API key provided."));
  const allowed = dialect === "mistral" ? MISTRAL_FIELDS : OPENAI_FIELDS;
  const unknown = Object.keys(body).find((f) => !allowed.has(f));
  if (unknown) return sendJson(res, dialect === "mistral" ? 422 : 400, error(400, `Unrecognized request argument supplied: ${unknown}`));
  const inputs = texts(body.input);
  if (typeof body.model !== "string" || !inputs) return sendJson(res, 400, error(400, "'input' must be a string or an array of strings, and 'model' a string."));
  if (dialect === "azure" && body.model.startsWith("missing")) return sendJson(res, 404, azureErrorBody(404, ""));
  const asked = (dialect === "mistral" ? body.output_dimension : body.dimensions) as number | undefined;
  if (asked !== undefined && body.model.includes("mistral-embed")) return sendJson(res, 400, error(400, "output_dimension is not supported for mistral-embed."));
  if (await answerFailureScenario(req, res, scenario, error)) return;
  const dimensions = asked ?? defaultDimensions(body.model);
  const tokens = inputs.reduce((n, t) => n + fakeTokens(t), 0);
  const encode = body.encoding_format === "base64" ? base64 : (v: number[]) => v;
  await sendAnswer(req, res, scenario, { "content-type": "application/json" }, {
    object: "list",
    data: inputs.map((text, index) => ({ object: "embedding", index, embedding: encode(fakeVector(text, dimensions)) })),
    model: body.model,
    usage: dialect === "mistral" ? { prompt_tokens: tokens, total_tokens: tokens, completion_tokens: 0 } : { prompt_tokens: tokens, total_tokens: tokens },
  });
}

/** The Gemini API's batchEmbedContents. */
export async function handleGeminiEmbeddings(req: IncomingMessage, res: ServerResponse, body: Body, scenario: Scenario, url: URL): Promise<void> {
  if (!req.headers["x-goog-api-key"]) return sendJson(res, 403, geminiError(403, "Method doesn't allow unregistered callers."));
  const model = decodeURIComponent(/\/models\/([^/:]+):batchEmbedContents$/.exec(url.pathname)?.[1] ?? "");
  const requests = body.requests as { model?: unknown; content?: { parts?: { text?: unknown }[] }; outputDimensionality?: number }[] | undefined;
  if (!Array.isArray(requests) || requests.length === 0) return sendJson(res, 400, geminiError(400, "* BatchEmbedContentsRequest.requests: contents is not specified"));
  if (requests.length > 100) return sendJson(res, 400, geminiError(400, "* BatchEmbedContentsRequest.requests: at most 100 requests can be in one batch"));
  if (requests.some((r) => r.model !== `models/${model}`)) return sendJson(res, 400, geminiError(400, `Model names should match: the request's model must be models/${model}.`));
  if (await answerFailureScenario(req, res, scenario, geminiError)) return;
  const text = (r: (typeof requests)[number]) => (r.content?.parts ?? []).map((p) => String(p.text ?? "")).join("");
  await sendAnswer(req, res, scenario, { "content-type": "application/json" }, {
    embeddings: requests.map((r) => ({ values: fakeVector(text(r), r.outputDimensionality ?? defaultDimensions(model)) })),
  });
}

/** Vertex AI's predict for Google's embedding models; `model` from the path. */
export async function handleVertexPredict(req: IncomingMessage, res: ServerResponse, body: Body, scenario: Scenario, model: string): Promise<void> {
  if (!validAccessToken(req.headers.authorization)) return sendJson(res, 401, geminiError(401, "Request had invalid authentication credentials."));
  const instances = body.instances as { content?: unknown }[] | undefined;
  if (!Array.isArray(instances) || instances.length === 0 || instances.some((i) => typeof i.content !== "string")) return sendJson(res, 400, geminiError(400, "instances[].content is required."));
  if (model.startsWith("gemini-embedding") && instances.length > 1) return sendJson(res, 400, geminiError(400, "Only one input text is supported per request for gemini-embedding-001."));
  if (await answerFailureScenario(req, res, scenario, geminiError)) return;
  const parameters = (body.parameters ?? {}) as { outputDimensionality?: number };
  const dimensions = parameters.outputDimensionality ?? defaultDimensions(model);
  await sendAnswer(req, res, scenario, { "content-type": "application/json" }, {
    predictions: instances.map((i) => ({ embeddings: { values: fakeVector(i.content as string, dimensions), statistics: { token_count: fakeTokens(i.content as string), truncated: false } } })),
    metadata: { billableCharacterCount: instances.reduce((n, i) => n + (i.content as string).length, 0) },
  });
}

import type { z } from "zod";
import { errors } from "../shared/errors";

/** Largest request body accepted (10 MiB): enough for several images as data URLs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Reads a request body, counting bytes as they arrive so an oversized body is
 * refused (413) without being held in memory, whatever Content-Length claims.
 */
export async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  const header = request.headers.get("content-length");
  const declared = header === null ? NaN : Number(header);
  if (Number.isFinite(declared) && declared > limit) throw errors.tooLarge(limit);
  if (!request.body) return new Uint8Array();
  // HTTP framing holds a body to its declared length, so a body within the
  // limit can be read natively in one go; only unsized bodies are counted.
  if (Number.isFinite(declared)) return new Uint8Array(await request.arrayBuffer());
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw errors.tooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}

/** Formats a zod path as a parameter name the way OpenAI does: `messages[0].role`. */
export function paramName(path: readonly PropertyKey[]): string {
  let out = "";
  for (const part of path) out += typeof part === "number" ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

/** The issue to report: inside a union, the branch that got furthest explains the failure best. */
function reportedIssue(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  let best: z.core.$ZodIssue | undefined;
  for (const branch of issue.errors) {
    const first = branch[0];
    if (first && (!best || first.path.length > best.path.length)) best = first;
  }
  // A branch that failed at the union's own level (wrong type) explains nothing more.
  if (!best || best.path.length === 0) return issue;
  return reportedIssue({ ...best, path: [...issue.path, ...best.path] });
}

/** Turns the first zod issue into a 400 that names the offending field. */
export function validationError(error: z.ZodError) {
  const issue = reportedIssue(error.issues[0]!);
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const param = paramName([...issue.path, key]);
    return errors.invalidRequest(`Unrecognized request argument supplied: ${param}`, param, "unknown_parameter");
  }
  const param = paramName(issue.path);
  // Refinements name their own code (e.g. a refused file reference, a too-deep value).
  const code = issue.code === "custom" && typeof issue.params?.code === "string" ? issue.params.code : "invalid_value";
  return errors.invalidRequest(param ? `Invalid value for '${param}': ${issue.message}` : issue.message, param || null, code);
}

/** Media types read as JSON: `application/json`, parameters (charset) allowed. */
const JSON_MEDIA_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Only a body declared as JSON is read as JSON: a form-encoded body (what
 * `curl -d` sends) or text/plain is refused rather than guessed at, and so is a
 * body with no Content-Type at all (every official SDK sends one).
 */
function requireJsonContentType(request: Request): void {
  const type = request.headers.get("content-type");
  if (type === null || !JSON_MEDIA_TYPE.test(type.trim())) throw errors.unsupportedMediaType();
}

/**
 * Reads and parses a JSON body: 415 not declared as JSON, 413 too large, 400 not
 * JSON. Parsed once; validation is the caller's (see parseBody).
 */
export async function readJsonBody(request: Request): Promise<unknown> {
  requireJsonContentType(request);
  return parseJsonBytes(await readLimited(request, MAX_BODY_BYTES));
}

/** Parses a body already read (one whose raw bytes were needed first, e.g. to check a signature): 400 not JSON. */
export function parseJsonBytes(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw errors.invalidRequest("The request body is not valid JSON.", null, "invalid_json");
  }
}

/** Validates a parsed body: 400 naming the first offending field. */
export function parseBody<S extends z.ZodType>(json: unknown, schema: S): z.infer<S> {
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

/** Reads, parses and validates a JSON body: 415, 413, or 400 as above. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  return parseBody(await readJsonBody(request), schema);
}

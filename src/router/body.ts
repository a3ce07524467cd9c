import type { z } from "zod";
import { errors } from "../shared/errors";

/** Largest request body accepted (10 MiB): enough for several images as data URLs. */
export const MAX_BODY_BYTES = 10 * 1024 * 1024;

/**
 * Reads a request body, counting bytes as they arrive so an oversized body is
 * refused (413) without being held in memory, whatever Content-Length claims.
 */
async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
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

/** Turns the first zod issue into a 400 that names the offending field. */
export function validationError(error: z.ZodError) {
  const issue = error.issues[0]!;
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    const param = paramName([...issue.path, key]);
    return errors.invalidRequest(`Unrecognized request argument supplied: ${param}`, param, "unknown_parameter");
  }
  const param = paramName(issue.path);
  return errors.invalidRequest(param ? `Invalid value for '${param}': ${issue.message}` : issue.message, param || null, "invalid_value");
}

/** Reads, parses and validates a JSON body: 413 too large, 400 not JSON or invalid. */
export async function readJson<S extends z.ZodType>(request: Request, schema: S): Promise<z.infer<S>> {
  const bytes = await readLimited(request, MAX_BODY_BYTES);
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw errors.invalidRequest("The request body is not valid JSON.", null, "invalid_json");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw validationError(parsed.error);
  return parsed.data;
}

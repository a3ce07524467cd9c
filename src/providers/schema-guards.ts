/**
 * zod building blocks shared by the request schemas of both public formats:
 * free-form JSON values with a bounded nesting depth, and refusals of
 * references that only mean something inside the operator's provider account.
 */
import { z } from "zod";
import { errors } from "../shared/errors";

/**
 * Deepest nesting accepted inside a free-form JSON value (a tool's JSON Schema,
 * a structured-output schema, tool input, metadata). Each object or array is one
 * level. Real schemas stay far below it: OpenAI's strict structured outputs allow
 * 10 levels of schema nesting (about 20 JSON levels); anything deeper is a
 * mistake or an attack, which providers answer with errors of their own.
 */
export const MAX_JSON_DEPTH = 64;

/** Error code of a refused provider-scoped reference (an uploaded file's id, a Files API URI). */
export const FILE_REFERENCE_CODE = "unsupported_file_reference";
/** Error code of a free-form value nested deeper than MAX_JSON_DEPTH. */
export const TOO_DEEP_CODE = "nesting_too_deep";

/** True when `value` nests objects or arrays deeper than `max` levels. Iterative: no recursion on client data. */
export function exceedsDepth(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== "object") continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return false;
}

/**
 * For JSON a client sent inside a string (tool call arguments) that an adapter
 * parses and sends on as an object: a 400 naming `param` when it nests too deep.
 */
export function assertDepth(value: unknown, param: string): void {
  if (exceedsDepth(value, MAX_JSON_DEPTH)) {
    throw errors.invalidRequest(`Invalid value for '${param}': nested deeper than ${MAX_JSON_DEPTH} levels`, param, TOO_DEEP_CODE);
  }
}

function checkDepth(value: unknown, ctx: z.RefinementCtx): void {
  if (exceedsDepth(value, MAX_JSON_DEPTH)) {
    ctx.addIssue({ code: "custom", message: `nested deeper than ${MAX_JSON_DEPTH} levels`, params: { code: TOO_DEEP_CODE } });
  }
}

/** A free-form JSON object (e.g. a JSON Schema), at most MAX_JSON_DEPTH levels deep. */
export const jsonObject = z.record(z.string(), z.unknown()).superRefine(checkDepth);

/**
 * A branch of a discriminated union that always fails: the shape is recognised
 * (so the client gets a precise 400 rather than "no matching type") but refused.
 */
export function refusedReference<T extends string>(type: T, message: string) {
  return z
    .object({ type: z.literal(type) })
    .loose()
    .transform((_value, ctx): never => {
      ctx.addIssue({ code: "custom", message, params: { code: FILE_REFERENCE_CODE } });
      return z.NEVER;
    });
}

/** The advice every refused reference carries. */
export const SEND_INLINE = "the router calls providers with its own account, where such references point to the operator's files, not yours; send the content inline instead";

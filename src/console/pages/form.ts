/**
 * Reads a posted form through a zod schema. A bad form is the caller's to
 * answer (re-render with the messages, status 400), never an exception.
 */
import type { Context } from "hono";
import type { z } from "zod";
import type { ConsoleAppEnv } from "../env";

export async function readForm<S extends z.ZodType>(c: Context<ConsoleAppEnv>, schema: S): Promise<z.ZodSafeParseResult<z.output<S>>> {
  const type = c.req.header("content-type") ?? "";
  const isForm = type.startsWith("application/x-www-form-urlencoded") || type.startsWith("multipart/form-data");
  // Hono keeps the parsed body, so the CSRF check having read it costs nothing here.
  return schema.safeParse(isForm ? await c.req.parseBody() : {});
}

/** The first message per field, for showing next to the form. */
export function formMessages(error: z.ZodError, messages: Record<string, string>): string[] {
  const fields = new Set(error.issues.map((issue) => String(issue.path[0] ?? "")));
  return [...fields].map((field) => messages[field] ?? "Check the form and try again.");
}

/**
 * Stripe's wire format, as its API reference documents it: requests are
 * `application/x-www-form-urlencoded` with nested keys in brackets
 * (`metadata[account_id]=…`, `line_items[0][price_data][unit_amount]=500`),
 * responses JSON, errors `{"error": {type, code, message, param}}`.
 */
import type { ServerResponse } from "node:http";

export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue;
}

/** Numeric-keyed objects (`a[0]`, `a[1]`) become arrays, as Stripe reads them. */
function arraysOf(value: FormValue): FormValue {
  if (typeof value === "string" || Array.isArray(value)) return value;
  const keys = Object.keys(value);
  const entries = keys.map((k) => [k, arraysOf(value[k]!)] as const);
  if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, v]) => v);
  return Object.fromEntries(entries);
}

/** Decodes a Stripe form body (or query string) into nested objects and arrays. */
export function parseStripeForm(text: string): FormObject {
  const root: FormObject = {};
  for (const [name, value] of new URLSearchParams(text)) {
    const path = name.replace(/\]/g, "").split("[");
    let node = root;
    path.forEach((segment, i) => {
      if (i === path.length - 1) node[segment] = value;
      else node = (node[segment] ??= {}) as FormObject;
    });
  }
  return arraysOf(root) as FormObject;
}

/** A string field of a parsed form, or undefined. */
export const str = (form: FormValue | undefined, ...path: (string | number)[]): string | undefined => {
  let node: FormValue | undefined = form;
  for (const p of path) node = node && typeof node === "object" ? (node as Record<string | number, FormValue>)[p] : undefined;
  return typeof node === "string" ? node : undefined;
};

/** A string map (metadata) of a parsed form. */
export const stringMap = (value: FormValue | undefined): Record<string, string> =>
  value && typeof value === "object" && !Array.isArray(value) ? Object.fromEntries(Object.entries(value).filter((e): e is [string, string] => typeof e[1] === "string")) : {};

export function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "request-id": `req_fake${Date.now()}` });
  res.end(JSON.stringify(body));
}

/** Stripe's error body: 400 for a bad parameter, 404 for a missing resource. */
export function stripeError(res: ServerResponse, status: 400 | 401 | 404, message: string, param: string | null = null): void {
  const code = status === 404 ? "resource_missing" : status === 401 ? undefined : "parameter_invalid";
  json(res, status, { error: { type: "invalid_request_error", message, ...(code ? { code } : {}), ...(param ? { param } : {}) } });
}

export const unix = () => Math.floor(Date.now() / 1000);

/**
 * The key form (create and edit) as the browser posts it: parsed with zod
 * into values the shared key logic takes (src/self-service/keys.ts), or into
 * one message per field to show next to it. An empty limit means the tier's
 * limit, no model ticked means every model, and an expiry date means the end
 * of that day in UTC.
 */
import { z } from "zod";
import type { ApiKey } from "../../../db/schema";
import type { CreateKeyBody, UpdateKeyBody } from "../../../self-service/key-schemas";

export const LIMIT_FIELDS = ["rpm", "tpm", "concurrency"] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];
export type KeyField = "name" | LimitField | "models" | "eu_only" | "expires" | "manage" | "grace";

/** What the form shows: the text of each field as typed (or as the key has it). */
export interface KeyFormValues {
  name: string;
  rpm: string;
  tpm: string;
  concurrency: string;
  models: string[];
  euOnly: boolean;
  expires: string;
  manage: boolean;
}

export type FieldErrors = Partial<Record<KeyField, string>>;

export const EMPTY_FORM: KeyFormValues = { name: "", rpm: "", tpm: "", concurrency: "", models: [], euOnly: false, expires: "", manage: false };

const DAY_MS = 24 * 60 * 60 * 1000;

const text = (max: number) => z.string().trim().max(max, `At most ${max} characters.`).optional().default("");

const limit = text(10)
  .refine((s) => s === "" || /^[1-9]\d*$/.test(s), "Enter a whole number above 0, or leave it empty for your tier's limit.")
  .transform((s) => (s === "" ? null : Number(s)));

/** A date (yyyy-mm-dd) → the end of that day in UTC (ms); empty → never. */
const expires = text(10)
  .refine((s) => s === "" || (/^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`))), "Enter a date as YYYY-MM-DD.")
  .transform((s) => (s === "" ? null : Date.parse(`${s}T00:00:00Z`) + DAY_MS))
  .refine((ms) => ms === null || ms > Date.now(), "Choose today or a later day.");

const checkbox = z.literal("1").optional().transform((v) => v === "1");

/** A multi-value field arrives as one string or an array of them. */
const models = z
  .union([z.string().max(200), z.array(z.string().max(200)).max(500)])
  .optional()
  .transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]));

const keyForm = z.object({
  name: text(100).refine((s) => s !== "", "Give the key a name, e.g. where it is used."),
  rpm: limit,
  tpm: limit,
  concurrency: limit,
  models,
  eu_only: checkbox,
  expires,
  manage: checkbox,
});
export type ParsedKeyForm = z.infer<typeof keyForm>;

/** The form's fields as typed, to show them again next to their errors. */
export function valuesOf(form: Record<string, unknown>): KeyFormValues {
  const str = (v: unknown) => (typeof v === "string" ? v : "");
  const list = Array.isArray(form.models) ? form.models.filter((m): m is string => typeof m === "string") : typeof form.models === "string" ? [form.models] : [];
  return {
    name: str(form.name),
    rpm: str(form.rpm),
    tpm: str(form.tpm),
    concurrency: str(form.concurrency),
    models: list,
    euOnly: form.eu_only === "1",
    expires: str(form.expires),
    manage: form.manage === "1",
  };
}

export type ParseResult = { ok: true; form: ParsedKeyForm } | { ok: false; errors: FieldErrors };

export function parseKeyForm(form: Record<string, unknown>): ParseResult {
  const parsed = keyForm.safeParse(form);
  if (parsed.success) return { ok: true, form: parsed.data };
  const errors: FieldErrors = {};
  for (const issue of parsed.error.issues) {
    const field = issue.path[0] as KeyField | undefined;
    if (field && !errors[field]) errors[field] = issue.message;
  }
  return { ok: false, errors };
}

/** The create request: what the form leaves empty is the broadest value (the owner may grant anything). */
export function createBodyOf(form: ParsedKeyForm): CreateKeyBody {
  return {
    name: form.name,
    scopes: form.manage ? ["inference", "manage"] : ["inference"],
    limits: { rpm: form.rpm, tpm: form.tpm, concurrency: form.concurrency },
    models: form.models.length > 0 ? [...new Set(form.models)] : null,
    data_region: form.eu_only ? "eu" : null,
    expires_at: form.expires,
  };
}

/** The date an expiry shows as: the day whose end it is (or falls in). */
export function expiryDate(expiresAt: number | null): string {
  return expiresAt === null ? "" : new Date(expiresAt - 1).toISOString().slice(0, 10);
}

/** A key as the edit form shows it. */
export function formValuesOfKey(key: ApiKey): KeyFormValues {
  const num = (n: number | null) => (n === null ? "" : String(n));
  return {
    name: key.name,
    rpm: num(key.rpmLimit),
    tpm: num(key.tpmLimit),
    concurrency: num(key.concurrencyLimit),
    models: key.allowedModels ?? [],
    euOnly: key.dataRegion === "eu",
    expires: expiryDate(key.expiresAt),
    manage: key.scopes.includes("manage"),
  };
}

const sameModels = (a: readonly string[] | null, b: readonly string[] | null) =>
  a === null || b === null ? a === b : a.length === b.length && a.every((m) => b.includes(m));

/**
 * The patch an edit asks for: only the fields whose value changed, so an
 * untouched field is never judged (nor listed in the audit entry), and an
 * expiry shown as a day is not moved to that day's end by saving the form.
 * Null when nothing changed.
 */
export function updateBodyOf(key: ApiKey, form: ParsedKeyForm, typedExpiry: string): UpdateKeyBody | null {
  const body: UpdateKeyBody = {};
  if (form.name !== key.name) body.name = form.name;
  const limits: NonNullable<UpdateKeyBody["limits"]> = {};
  if (form.rpm !== key.rpmLimit) limits.rpm = form.rpm;
  if (form.tpm !== key.tpmLimit) limits.tpm = form.tpm;
  if (form.concurrency !== key.concurrencyLimit) limits.concurrency = form.concurrency;
  if (Object.keys(limits).length > 0) body.limits = limits;
  const models = form.models.length > 0 ? [...new Set(form.models)] : null;
  if (!sameModels(models, key.allowedModels)) body.models = models;
  if (form.eu_only !== (key.dataRegion === "eu")) body.data_region = form.eu_only ? "eu" : null;
  if (typedExpiry.trim() !== expiryDate(key.expiresAt)) body.expires_at = form.expires;
  return Object.keys(body).length > 0 ? body : null;
}

/** The form field an error of the key logic names in `param` (e.g. "limits.rpm", "models[2]"). */
export function fieldOfParam(param: string | null): KeyField | null {
  if (param === null) return null;
  if (param.startsWith("models")) return "models";
  if (param.startsWith("limits.")) return param.slice("limits.".length) as LimitField;
  const map: Record<string, KeyField> = { name: "name", data_region: "eu_only", expires_at: "expires", scopes: "manage" };
  return map[param] ?? null;
}

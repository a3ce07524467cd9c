/**
 * "A key cannot grant more than the key that creates it": what a key may do,
 * and the comparison that finds the first field of one key that goes beyond
 * another. Used with the caller's key as the bound (create, patch, rotate)
 * and, for a patch, with the patched key's own values (a patch only narrows).
 */
import type { KeyBudget } from "../billing/types";
import type { ApiKey, KeyScope } from "../db/schema";
import { budgetOf } from "./budget";

/** What a key may do, in the API's terms. */
export interface KeyGrant {
  scopes: readonly KeyScope[];
  /** null: the account's tier limit. */
  limits: { rpm: number | null; tpm: number | null; concurrency: number | null };
  /** null: every model. */
  models: readonly string[] | null;
  /** "eu": EU-hosted routes only; null: no restriction. */
  dataRegion: "eu" | null;
  /** null: never expires. */
  expiresAt: number | null;
  /** Spend limit per period; null: none. */
  budget: KeyBudget | null;
}

export const LIMIT_NAMES = ["rpm", "tpm", "concurrency"] as const;

/** The fields of a grant, named as the API's `param` names them. */
export type GrantField = "scopes" | `limits.${(typeof LIMIT_NAMES)[number]}` | "models" | "data_region" | "expires_at" | "budget";

export const ALL_GRANT_FIELDS: readonly GrantField[] = ["scopes", "limits.rpm", "limits.tpm", "limits.concurrency", "models", "data_region", "expires_at", "budget"];

export function grantOf(k: ApiKey): KeyGrant {
  return {
    scopes: k.scopes,
    limits: { rpm: k.rpmLimit, tpm: k.tpmLimit, concurrency: k.concurrencyLimit },
    models: k.allowedModels,
    dataRegion: k.dataRegion,
    expiresAt: k.expiresAt,
    budget: budgetOf(k),
  };
}

/** A limit, a model list or an expiry: null is "no bound", the broadest value. */
const exceedsNumber = (bound: number | null, value: number | null) => bound !== null && (value === null || value > bound);

function exceeds(bound: KeyGrant, grant: KeyGrant, field: GrantField): boolean {
  switch (field) {
    case "scopes":
      return grant.scopes.some((s) => !bound.scopes.includes(s));
    case "models":
      return bound.models !== null && (grant.models === null || grant.models.some((m) => !bound.models!.includes(m)));
    case "data_region":
      return bound.dataRegion === "eu" && grant.dataRegion !== "eu";
    case "expires_at":
      return exceedsNumber(bound.expiresAt, grant.expiresAt);
    case "budget":
      // Periods of different lengths do not compare: within a budget means the same period, no higher limit.
      return bound.budget !== null && (grant.budget === null || grant.budget.period !== bound.budget.period || grant.budget.limitNano > bound.budget.limitNano);
    default: {
      const name = field.slice("limits.".length) as (typeof LIMIT_NAMES)[number];
      return exceedsNumber(bound.limits[name], grant.limits[name]);
    }
  }
}

/** The first of `fields` in which `grant` goes beyond `bound`, or null when it stays within. */
export function firstExcess(bound: KeyGrant, grant: KeyGrant, fields: readonly GrantField[] = ALL_GRANT_FIELDS): GrantField | null {
  return fields.find((f) => exceeds(bound, grant, f)) ?? null;
}

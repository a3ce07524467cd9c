/**
 * Turns a key request into the grant it asks for and checks it against the
 * calling key (and, for a patch, against the key patched). Errors:
 * 403 `key_exceeds_caller` when the result would go beyond the caller,
 * 400 `cannot_broaden_key` when a patch would widen the key it changes.
 */
import type { ApiKey } from "../db/schema";
import type { KeyChanges } from "../db/keys";
import { errors } from "../shared/errors";
import { firstExcess, grantOf, LIMIT_NAMES, type GrantField, type KeyGrant } from "./key-bounds";
import type { CreateKeyBody, UpdateKeyBody } from "./key-schemas";

function exceedsCaller(field: GrantField) {
  return errors.forbidden(`The new '${field}' would grant more than the API key making this request; a key cannot grant more than the key that creates or changes it.`, "key_exceeds_caller", field);
}

/** The grant a new key asks for: what the body leaves out comes from the caller. Throws 403 beyond the caller. */
export function newKeyGrant(caller: KeyGrant, body: CreateKeyBody): KeyGrant {
  const pick = <T>(given: T | undefined, inherited: T): T => (given === undefined ? inherited : given);
  const grant: KeyGrant = {
    scopes: pick(body.scopes, caller.scopes),
    limits: {
      rpm: pick(body.limits?.rpm, caller.limits.rpm),
      tpm: pick(body.limits?.tpm, caller.limits.tpm),
      concurrency: pick(body.limits?.concurrency, caller.limits.concurrency),
    },
    models: pick(body.models, caller.models),
    dataRegion: pick(body.data_region, caller.dataRegion),
    expiresAt: pick(body.expires_at, caller.expiresAt),
    budget: pick(body.budget, caller.budget),
  };
  const excess = firstExcess(caller, grant);
  if (excess) throw exceedsCaller(excess);
  return grant;
}

/** Throws 403 when the caller may not hand out the key as it stands (a rotation copies it). */
export function assertWithinCaller(caller: KeyGrant, key: ApiKey): void {
  const excess = firstExcess(caller, grantOf(key));
  if (excess) throw exceedsCaller(excess);
}

export interface KeyPatch {
  changes: KeyChanges;
  /** The API names of the fields changed, for the audit log. */
  fields: string[];
}

/**
 * The column changes a patch asks for. Each grant field it sets must stay
 * within the caller (403) and must not widen the key (400), except the
 * budget: raising or removing a key's spend limit is routine account
 * management, bounded only by the caller's own budget (a budgeted key can
 * neither lift its own budget nor hand out more).
 */
export function keyPatch(caller: KeyGrant, key: ApiKey, body: UpdateKeyBody): KeyPatch {
  const current = grantOf(key);
  const patched: KeyGrant = { ...current, limits: { ...current.limits } };
  const changes: KeyChanges = {};
  const touched: GrantField[] = [];
  const fields: string[] = [];
  if (body.name !== undefined) {
    changes.name = body.name;
    fields.push("name");
  }
  // A setting, not a grant: any value within 1..86400 s, neither narrowing nor widening.
  if (body.cache_ttl !== undefined) {
    changes.cacheTtl = body.cache_ttl;
    fields.push("cache_ttl");
  }
  for (const name of LIMIT_NAMES) {
    const value = body.limits?.[name];
    if (value === undefined) continue;
    patched.limits[name] = value;
    changes[`${name}Limit`] = value;
    touched.push(`limits.${name}`);
  }
  if (body.models !== undefined) {
    patched.models = changes.allowedModels = body.models;
    touched.push("models");
  }
  if (body.data_region !== undefined) {
    patched.dataRegion = changes.dataRegion = body.data_region;
    touched.push("data_region");
  }
  if (body.expires_at !== undefined) {
    patched.expiresAt = changes.expiresAt = body.expires_at;
    touched.push("expires_at");
  }
  if (body.budget !== undefined) {
    patched.budget = body.budget;
    changes.budgetNanoUsd = body.budget?.limitNano ?? null;
    changes.budgetPeriod = body.budget?.period ?? null;
    touched.push("budget");
  }
  const beyondCaller = firstExcess(caller, patched, touched);
  if (beyondCaller) throw exceedsCaller(beyondCaller);
  const widened = firstExcess(current, patched, touched.filter((f) => f !== "budget"));
  if (widened) {
    throw errors.invalidRequest(`A patch can only narrow a key, and the new '${widened}' would widen it; create a new key instead.`, widened, "cannot_broaden_key");
  }
  return { changes, fields: [...fields, ...touched] };
}

/** Calls of the customer key API (/v1/keys) for tests. */
import { call } from "./router";

export interface KeyBody {
  id: string;
  key?: string;
  name: string;
  status: string;
  scopes: string[];
  limits: { rpm: number | null; tpm: number | null; concurrency: number | null };
  models: string[] | null;
  data_region: string | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  revoked_reason: string | null;
  replaced_by: string | null;
  rotation_due: boolean;
  cache_ttl: number | null;
}

/** A /v1/keys request with the given key; a body is sent as JSON. */
export function keysApi(key: string, method: string, path = "", body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (body !== undefined) headers["content-type"] = "application/json";
  return call(`/v1/keys${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

/** Creates a key with `key`; throws unless 201. */
export async function createdKey(key: string, body: Record<string, unknown> = {}): Promise<KeyBody & { key: string }> {
  const res = await keysApi(key, "POST", "", body);
  if (res.status !== 201) throw new Error(`create key: ${res.status} ${await res.text()}`);
  return (await res.json()) as KeyBody & { key: string };
}

/** Any authenticated inference-scope call: 200 while the key works. */
export function models(key: string): Promise<Response> {
  return call("/v1/models", { headers: { authorization: `Bearer ${key}` } });
}

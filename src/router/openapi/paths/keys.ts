/**
 * The account's own keys: /v1/keys (scope `manage`), in OpenAI's and
 * OpenRouter's key-API manner; every answer `Cache-Control: no-store`.
 */
import { z } from "@hono/zod-openapi";
import { createKeyBody, rotateKeyBody, updateKeyBody } from "../../routes/keys";
import { CUSTOMER_ERRORS, customerOk, customerSecurity, errorResponses, json, type Registry } from "../components";
import { apiKeySchema, createdApiKeySchema } from "../schemas";
import { apiKeyListSchema } from "../self-service-schemas";

const tags = ["Keys"];
const errors = errorResponses(CUSTOMER_ERRORS);
const withConflict = { ...errors, ...errorResponses([409]) };
const keyId = { params: z.object({ id: z.string() }) };

export function registerKeyPaths(registry: Registry): void {
  registry.registerPath({
    method: "get",
    path: "/v1/keys",
    tags,
    summary: "List the account's keys",
    description: "Metadata only, never a key or its hash; keys older than 90 days are flagged `rotation_due`.",
    security: customerSecurity,
    responses: { 200: customerOk("The keys.", apiKeyListSchema), ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/keys",
    tags,
    summary: "Create a key",
    description:
      "Name, expiry (ISO 8601 or Unix seconds), scopes, lower limits, model allow-list, EU-only, spend budget (`{limit_usd, period}`, period `daily`, `weekly` or `monthly`, UTC). A field left out takes the calling key's value: a key cannot grant more than the key that creates it (a budgeted key only keys with the same period and no higher limit). `cache_ttl` (seconds, 1-86400; over 86400 is a 400) opts the key's requests in to the response cache when they send no `x-emby-cache-ttl`; it is not inherited (default null: none). The key is shown once.",
    security: customerSecurity,
    request: { body: { required: true, content: json(createKeyBody) } },
    responses: { 201: customerOk("The new key, with `key` shown this once.", createdApiKeySchema), ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/keys/{id}",
    tags,
    summary: "Read a key",
    security: customerSecurity,
    request: keyId,
    responses: { 200: customerOk("The key's metadata.", apiKeySchema), ...errors },
  });
  registry.registerPath({
    method: "patch",
    path: "/v1/keys/{id}",
    tags,
    summary: "Rename or narrow a key, or set its cache default",
    description: "Name, an earlier expiry, lower limits, a smaller allow-list, EU-only; scopes cannot change. `budget` sets, raises, lowers or (null) removes the spend budget, within the calling key's own budget, enforced from the next request on. `cache_ttl` sets the key's default response-cache TTL (1-86400 s) or, null, clears it: clearing withdraws the opt-in and deletes every cached answer of the account (503 `limiter_unavailable` if that failed: the setting is cleared; finish with DELETE /v1/cache). 409 `key_revoked` for a revoked key.",
    security: customerSecurity,
    request: { ...keyId, body: { required: true, content: json(updateKeyBody) } },
    responses: { 200: customerOk("The key's metadata.", apiKeySchema), ...withConflict },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/keys/{id}",
    tags,
    summary: "Revoke a key",
    description: "Takes effect on every isolate within one second. Revoking a revoked key changes nothing.",
    security: customerSecurity,
    request: keyId,
    responses: { 200: customerOk("The revoked key's metadata.", apiKeySchema), ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/keys/{id}/rotate",
    tags,
    summary: "Rotate a key",
    description:
      "A new key with the old one's grants and settings (budget, `cache_ttl`), returned once; the old one keeps working for `grace_period_seconds` (0 to 7 days, default 24 hours), then stops, and names its replacement in `replaced_by`. The body may be left out. 409 for a revoked, expired or already rotated key.",
    security: customerSecurity,
    request: { ...keyId, body: { required: false, content: json(rotateKeyBody) } },
    responses: { 201: customerOk("The new key, with `key` shown this once.", createdApiKeySchema), ...withConflict },
  });
}

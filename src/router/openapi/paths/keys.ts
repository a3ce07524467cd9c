/**
 * The account's own keys: /v1/keys (scope `manage`), in OpenAI's and
 * OpenRouter's key-API manner. All pending (pending.ts): placeholder bodies.
 */
import { z } from "@hono/zod-openapi";
import { CUSTOMER_ERRORS, customerSecurity, errorResponses, json, placeholderBody, type Registry } from "../components";
import { apiKeySchema, createdApiKeySchema } from "../schemas";

const tags = ["Keys"];
const errors = errorResponses(CUSTOMER_ERRORS);
const keyId = { params: z.object({ id: z.string() }) };
const keyList = z.object({ object: z.literal("list"), data: z.array(apiKeySchema) }).meta({ id: "ApiKeyList" });

export function registerKeyPaths(registry: Registry): void {
  registry.registerPath({
    method: "get",
    path: "/v1/keys",
    tags,
    summary: "List the account's keys",
    description: "Metadata only, never a key or its hash; keys older than 90 days are flagged as due for rotation.",
    security: customerSecurity,
    responses: { 200: { description: "The keys.", content: json(keyList) }, ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/keys",
    tags,
    summary: "Create a key",
    description: "Name, expiry, scopes, lower limits, model allow-list, EU-only. A key cannot grant more than the key that creates it. The key is shown once.",
    security: customerSecurity,
    request: { body: { required: true, content: json(placeholderBody("the key creation body")) } },
    responses: { 201: { description: "The new key, with `key` shown this once.", content: json(createdApiKeySchema) }, ...errors },
  });
  registry.registerPath({
    method: "get",
    path: "/v1/keys/{id}",
    tags,
    summary: "Read a key",
    security: customerSecurity,
    request: keyId,
    responses: { 200: { description: "The key's metadata.", content: json(apiKeySchema) }, ...errors },
  });
  registry.registerPath({
    method: "patch",
    path: "/v1/keys/{id}",
    tags,
    summary: "Change a key",
    security: customerSecurity,
    request: { ...keyId, body: { required: true, content: json(placeholderBody("the key update body")) } },
    responses: { 200: { description: "The key's metadata.", content: json(apiKeySchema) }, ...errors },
  });
  registry.registerPath({
    method: "delete",
    path: "/v1/keys/{id}",
    tags,
    summary: "Revoke a key",
    description: "Takes effect on every isolate within one second.",
    security: customerSecurity,
    request: keyId,
    responses: { 200: { description: "The revoked key's metadata.", content: json(apiKeySchema) }, ...errors },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/keys/{id}/rotate",
    tags,
    summary: "Rotate a key",
    description: "A new key, returned once; the old one keeps working for the grace period the caller picks (none to 7 days, default 24 hours), then stops.",
    security: customerSecurity,
    request: { ...keyId, body: { required: false, content: json(placeholderBody("the rotation body")) } },
    responses: { 201: { description: "The new key, with `key` shown this once.", content: json(createdApiKeySchema) }, ...errors },
  });
}

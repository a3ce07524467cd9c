/**
 * The OpenAPI 3.1 document of the customer and operator APIs, built from the
 * zod schemas the routes validate with (imported from the route modules), so
 * the document cannot describe a request the router would refuse or the
 * reverse. The routes stay plain Hono handlers; each area registers its paths
 * here, in paths/<area>.ts.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { registerSecuritySchemes } from "./components";
import { registerAccountPaths } from "./paths/account";
import { registerAdminPaths } from "./paths/admin";
import { registerBillingPaths } from "./paths/billing";
import { registerCachePaths } from "./paths/cache";
import { registerInferencePaths } from "./paths/inference";
import { registerCreditsNoticePaths } from "./paths/credits-notice";
import { registerKeyPaths } from "./paths/keys";
import { registerPublicPaths } from "./paths/public";
import { registerUsagePaths } from "./paths/usage";

const DESCRIPTION =
  "An EU-first AI model router: one API key and one OpenAI-compatible endpoint in front of many model providers. " +
  "Every response carries `x-request-id`. Errors have OpenAI's shape, `{\"error\": {message, type, code, param}}`, except on /v1/messages (Anthropic's).";

export function buildOpenApiDocument() {
  // Used only as a registry and generator; it serves nothing.
  const holder = new OpenAPIHono();
  const registry = holder.openAPIRegistry;
  registerSecuritySchemes(registry);
  registerPublicPaths(registry);
  registerInferencePaths(registry);
  registerUsagePaths(registry);
  registerCachePaths(registry);
  registerAccountPaths(registry);
  registerKeyPaths(registry);
  registerBillingPaths(registry);
  registerCreditsNoticePaths(registry);
  registerAdminPaths(registry);
  return holder.getOpenAPI31Document({
    openapi: "3.1.0",
    info: { title: "Emby Router API", version: "v1", description: DESCRIPTION },
    tags: [
      { name: "Inference" },
      { name: "Models" },
      { name: "Usage" },
      { name: "Cache", description: "The opt-in response cache; any key of the account." },
      { name: "Account", description: "Self-service and GDPR rights; scope `manage`." },
      { name: "Keys", description: "The account's own keys; scope `manage`." },
      { name: "Operator: accounts", description: "Bearer ADMIN_TOKEN." },
      { name: "Operator: catalogue", description: "Bearer ADMIN_TOKEN." },
      { name: "Public", description: "No key." },
    ],
  });
}

let serialised: string | undefined;

/** The document as JSON, built on first use and kept for the isolate's life (it depends on code only). */
export function openApiJson(): string {
  serialised ??= JSON.stringify(buildOpenApiDocument());
  return serialised;
}

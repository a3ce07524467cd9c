/**
 * Public endpoints, no key: health, this document and its page, the privacy
 * data map, and the secret-scanning report (authenticated by GitHub's signature).
 */
import { z } from "@hono/zod-openapi";
import { DOCS_SCRIPT_PATH, DOCS_STYLE_PATH } from "../docs-page";
import { secretScanningReportBody } from "../../routes/secret-scanning";
import { errorResponses, json, noSecurity, type Registry } from "../components";
import { healthSchema, openObject } from "../schemas";
import { privacyMapSchema, secretScanningFeedbackSchema } from "../self-service-schemas";

const text = (type: string, description: string) => ({ description, content: { [type]: { schema: z.string() } } });

export function registerPublicPaths(registry: Registry): void {
  registry.registerPath({
    method: "get",
    path: "/health",
    tags: ["Public"],
    summary: "Liveness",
    description: "No key; touches no storage and leaves no log event. Says the deployment runs, not that providers or storage answer. `Cache-Control: no-store`.",
    security: noSecurity,
    responses: { 200: { description: "Running.", content: json(healthSchema) } },
  });
  registry.registerPath({
    method: "get",
    path: "/openapi.json",
    tags: ["Public"],
    summary: "This OpenAPI 3.1 document",
    security: noSecurity,
    responses: { 200: { description: "The document, generated from the zod schemas that validate requests.", content: json(openObject("OpenAPI 3.1 document")) } },
  });
  registry.registerPath({
    method: "get",
    path: "/docs",
    tags: ["Public"],
    summary: "The API documentation page",
    description: "Renders /openapi.json with a script and stylesheet served by this worker (no third-party resources).",
    security: noSecurity,
    responses: { 200: text("text/html", "The page.") },
  });
  registry.registerPath({ method: "get", path: DOCS_SCRIPT_PATH, tags: ["Public"], summary: "The documentation page's script", security: noSecurity, responses: { 200: text("text/javascript", "The script.") } });
  registry.registerPath({ method: "get", path: DOCS_STYLE_PATH, tags: ["Public"], summary: "The documentation page's stylesheet", security: noSecurity, responses: { 200: text("text/css", "The stylesheet.") } });

  registry.registerPath({
    method: "get",
    path: "/v1/privacy",
    tags: ["Public"],
    summary: "The data map",
    description:
      "No key. Machine-readable: what categories of data are held, where, why, on what legal basis, for how long, and who receives them, generated from the constants that enforce retention. `Cache-Control: public, max-age=3600`.",
    security: noSecurity,
    responses: { 200: { description: "The data map.", content: json(privacyMapSchema) } },
  });
  registry.registerPath({
    method: "post",
    path: "/v1/secret-scanning/report",
    tags: ["Public"],
    summary: "Report leaked keys (GitHub secret scanning partner format)",
    description:
      "No key: the request is authenticated by GitHub's signature, ECDSA P-256 / SHA-256 over the raw body, checked against the public keys GitHub publishes. A reported key of ours that is live is revoked at once (audited as `secret-scanning:<source>`); the answer labels each token.",
    security: noSecurity,
    request: {
      headers: z.object({
        "github-public-key-identifier": z.string().meta({ description: "Which of GitHub's published signing keys signed the body" }),
        "github-public-key-signature": z.string().meta({ description: "Base64 DER ECDSA signature of the raw body" }),
      }),
      body: { required: true, content: json(secretScanningReportBody) },
    },
    responses: {
      200: { description: "A label per reported token, in order.", content: json(secretScanningFeedbackSchema) },
      ...errorResponses([400, 401, 413]),
    },
  });
}

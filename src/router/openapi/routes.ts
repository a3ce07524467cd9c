/**
 * GET /openapi.json and GET /docs (with the page's script and stylesheet): no
 * key, cacheable. Mounted next to /health, before the request log: public
 * static documents, with no account to attribute, no storage touched and no
 * log event. The document's builder (and @hono/zod-openapi with it) is loaded
 * on the first request for it, so other requests never pay for it.
 */
import { Hono, type Context } from "hono";
import type { AppEnv } from "../env";
import { DOCS_CSP, DOCS_HTML, DOCS_SCRIPT, DOCS_SCRIPT_PATH, DOCS_STYLE, DOCS_STYLE_PATH } from "./docs-page";

/** Changes only with a deploy; five minutes keeps a fresh deploy visible soon. */
const CACHEABLE = "public, max-age=300";

const asset = (body: string, type: string) => (c: Context<AppEnv>) =>
  c.body(body, 200, { "content-type": type, "cache-control": CACHEABLE, "x-content-type-options": "nosniff" });

export const openApiRoutes = new Hono<AppEnv>()
  .get("/openapi.json", async (c) => {
    const { openApiJson } = await import("./document");
    return c.body(openApiJson(), 200, { "content-type": "application/json", "cache-control": CACHEABLE });
  })
  .get("/docs", (c) =>
    c.body(DOCS_HTML, 200, {
      "content-type": "text/html; charset=utf-8",
      "cache-control": CACHEABLE,
      "content-security-policy": DOCS_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
    }),
  )
  .get(DOCS_SCRIPT_PATH, asset(DOCS_SCRIPT, "text/javascript; charset=utf-8"))
  .get(DOCS_STYLE_PATH, asset(DOCS_STYLE, "text/css; charset=utf-8"));

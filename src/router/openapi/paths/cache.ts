/** The opt-in response cache's control: DELETE /v1/cache (docs/cache.md). */
import { z } from "@hono/zod-openapi";
import { customerOk, customerSecurity, errorResponses, type Registry } from "../components";

const cachePurgeSchema = z
  .object({ object: z.literal("cache.purge"), purged: z.literal(true) })
  .meta({ id: "CachePurge", description: "Every cached answer of the account is deleted." });

export function registerCachePaths(registry: Registry): void {
  registry.registerPath({
    method: "delete",
    path: "/v1/cache",
    tags: ["Cache"],
    summary: "Delete every cached answer of the account",
    description:
      "Scope `inference` or `manage`. Withdraws the opt-in to the response cache: every entry of the account (whichever key stored it) is deleted at once; requests opted in afterwards (`x-emby-cache-ttl`, or a key's `cache_ttl`) fill it again. Clearing a key's `cache_ttl` (PATCH /v1/keys/{id}) does the same. 503 `limiter_unavailable` when the entries could not be reached; retry.",
    security: customerSecurity,
    responses: { 200: customerOk("The entries are gone.", cachePurgeSchema), ...errorResponses([401, 403, 429, 503]) },
  });
}

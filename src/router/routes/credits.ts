import { Hono } from "hono";
import { z } from "zod";
import { creditsView, DEFAULT_TRANSACTIONS, MAX_TRANSACTIONS } from "../../self-service/credits";
import { validationError } from "../body";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";

export const creditsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(MAX_TRANSACTIONS).default(DEFAULT_TRANSACTIONS),
    before: z.string().min(1).max(200).optional(),
  })
  .strict();

/**
 * `GET /v1/credits?limit=&before=`: the account's prepaid balance and its
 * transactions, newest first (src/self-service/credits.ts). Any key of the
 * account may read it, inference or manage scope: an application checks
 * the balance it spends, as it reads /v1/usage; buying credit (POST
 * /v1/billing/checkout) needs `manage`.
 */
export const creditsRoutes = new Hono<AppEnv>().use(apiKeyAuth(["inference", "manage"])).get("/", async (c) => {
  const parsed = creditsQuery.safeParse(c.req.query());
  if (!parsed.success) throw validationError(parsed.error);
  c.header("cache-control", "no-store");
  return c.json(await creditsView(c.env, c.get("auth").accountId, parsed.data));
});

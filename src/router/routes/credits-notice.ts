/**
 * PUT /v1/credits/notice (`manage` scope): mail me when my balance falls
 * below `threshold_usd` (null: never). See src/self-service/low-balance.ts.
 */
import { Hono } from "hono";
import { coreDb } from "../../db/client";
import { lowBalanceNoticeBody, lowBalanceNoticeView, setLowBalanceNotice } from "../../self-service/low-balance";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { apiKeyAuth } from "../middleware/api-key-auth";

export { lowBalanceNoticeBody };

export const creditsNoticeRoutes = new Hono<AppEnv>().use(apiKeyAuth("manage")).put("/", async (c) => {
  const { thresholdNano } = await readJson(c.req.raw, lowBalanceNoticeBody);
  const { accountId, keyId } = c.get("auth");
  await setLowBalanceNotice(coreDb(c.env.DB), c.env, accountId, thresholdNano, `key:${keyId}`);
  return c.json(lowBalanceNoticeView(thresholdNano));
});

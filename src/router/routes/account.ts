import { Hono } from "hono";
import { z } from "zod";
import { currentConsent, recordConsent } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { errors } from "../../shared/errors";
import { eraseAccountNow } from "../account/erase";
import { evictAccount } from "../auth-cache";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { exportHandler } from "../export/handler";
import { apiKeyAuth } from "../middleware/api-key-auth";
import { iso } from "../views";

const consentBody = z.object({ non_eu_transfer: z.boolean() }).strict();

/** Self-service account routes; this part records the consent to non-EU processing. */
export const accountRoutes = new Hono<AppEnv>()
  .use(apiKeyAuth("manage"))
  .get("/export", exportHandler)
  .get("/consent", async (c) => {
    const consent = await currentConsent(coreDb(c.env.DB), c.get("auth").accountId, "non_eu_transfer");
    return c.json({ object: "consent", non_eu_transfer: consent?.granted ?? false, recorded_at: iso(consent?.recordedAt ?? null) });
  })
  .put("/consent", async (c) => {
    const body = await readJson(c.req.raw, consentBody);
    const { accountId, keyId } = c.get("auth");
    const db = coreDb(c.env.DB);
    await recordConsent(db, accountId, "non_eu_transfer", body.non_eu_transfer, `key:${keyId}`);
    // Withdrawal must bite at once in this isolate; elsewhere within the cache bound.
    evictAccount(accountId);
    const consent = await currentConsent(db, accountId, "non_eu_transfer");
    return c.json({ object: "consent", non_eu_transfer: consent?.granted ?? false, recorded_at: iso(consent?.recordedAt ?? null) });
  })
  // Erasure on request. Closure (no `erase`) comes with the account routes.
  .delete("/", async (c) => {
    if (c.req.query("erase") === "now") return eraseAccountNow(c);
    throw errors.invalidRequest("Give erase=now to erase the account at once.", "erase", "invalid_value");
  });

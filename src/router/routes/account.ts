import { Hono } from "hono";
import { closeOwnAccount } from "../account/close";
import { getCommunication, putCommunication } from "../account/communication";
import { getConsent, putConsent } from "../account/consent";
import { eraseAccountNow } from "../account/erase";
import { getProfile } from "../account/profile";
import { rectifyAccount } from "../account/rectify";
import { getRestriction, putRestriction } from "../account/restriction";
import type { AppEnv } from "../env";
import { exportHandler } from "../export/handler";
import { apiKeyAuth } from "../middleware/api-key-auth";

export { communicationBody } from "../account/communication";
export { consentBody } from "../account/consent";
export { rectifyAccountBody } from "../account/rectify";
export { restrictionBody } from "../account/restriction";

/**
 * Self-service account routes, each a GDPR right (docs/privacy.md): access
 * to the profile, rectification, closure, consent, restriction, objection
 * to product updates.
 */
export const accountRoutes = new Hono<AppEnv>()
  // Every answer here shows personal data: no cache may keep it.
  .use(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  })
  .use(apiKeyAuth("manage"))
  .get("/", getProfile)
  .get("/export", exportHandler)
  .patch("/", rectifyAccount)
  // `?erase=now` erases at once (src/router/account/erase.ts); without it the account closes.
  .delete("/", (c) => (c.req.query("erase") !== undefined ? eraseAccountNow(c) : closeOwnAccount(c)))
  .get("/consent", getConsent)
  .put("/consent", putConsent)
  .get("/restriction", getRestriction)
  .put("/restriction", putRestriction)
  .get("/communication", getCommunication)
  .put("/communication", putCommunication);

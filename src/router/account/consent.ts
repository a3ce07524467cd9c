/** Consent to processing outside the EU (GDPR Art. 7, 49): `GET|PUT /v1/account/consent`. */
import type { Context } from "hono";
import { z } from "zod";
import { currentConsent, recordConsent } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { pushAccessChange } from "../../limits/controls";
import { evictAccount } from "../auth-cache";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { consentState } from "./profile";

export const consentBody = z.object({ non_eu_transfer: z.boolean() }).strict();

export async function getConsent(c: Context<AppEnv>): Promise<Response> {
  const consent = await currentConsent(coreDb(c.env.DB), c.get("auth").accountId, "non_eu_transfer");
  return c.json({ object: "consent", ...consentState(consent) });
}

/**
 * A withdrawal bites on the next request: this isolate forgets the account's
 * cached keys, and the limiter, which every inference call visits, is told
 * before D1 records it (a grant after), so every isolate refuses non-EU
 * routes within the access-change bound (src/limits/controls.ts).
 */
export async function putConsent(c: Context<AppEnv>): Promise<Response> {
  const { non_eu_transfer: granted } = await readJson(c.req.raw, consentBody);
  const { accountId, keyId } = c.get("auth");
  if (!granted) await pushAccessChange(c.env, accountId, { nonEuConsent: granted });
  await recordConsent(coreDb(c.env.DB), accountId, "non_eu_transfer", granted, `key:${keyId}`);
  if (granted) await pushAccessChange(c.env, accountId, { nonEuConsent: granted });
  evictAccount(accountId);
  return getConsent(c);
}

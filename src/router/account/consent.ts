/** Consent to processing outside the EU (GDPR Art. 7, 49): `GET|PUT /v1/account/consent`. */
import type { Context } from "hono";
import { z } from "zod";
import { currentConsent } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { setNonEuConsent } from "../../self-service/account";
import { evictAccount } from "../auth-cache";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { consentState } from "./profile";

export const consentBody = z.object({ non_eu_transfer: z.boolean() }).strict();

export async function getConsent(c: Context<AppEnv>): Promise<Response> {
  const consent = await currentConsent(coreDb(c.env.DB), c.get("auth").accountId, "non_eu_transfer");
  return c.json({ object: "consent", ...consentState(consent) });
}

/** A withdrawal bites on the next request: the limiter is told (src/self-service/account.ts) and this isolate forgets the account's cached keys. */
export async function putConsent(c: Context<AppEnv>): Promise<Response> {
  const { non_eu_transfer: granted } = await readJson(c.req.raw, consentBody);
  const { accountId, keyId } = c.get("auth");
  await setNonEuConsent(c.env, accountId, granted, `key:${keyId}`);
  evictAccount(accountId);
  return getConsent(c);
}

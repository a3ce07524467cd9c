/** Objection to direct marketing (GDPR Art. 21(2)): `GET|PUT /v1/account/communication`. */
import type { Context } from "hono";
import { z } from "zod";
import { currentConsent } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { setProductUpdates } from "../../self-service/account";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { communicationState } from "./profile";

/** Service notices are not in the body: they are always sent and cannot be turned off. */
export const communicationBody = z.object({ product_updates: z.boolean() }).strict();

export async function getCommunication(c: Context<AppEnv>): Promise<Response> {
  const productUpdates = await currentConsent(coreDb(c.env.DB), c.get("auth").accountId, "product_updates");
  return c.json({ object: "communication_preferences", ...communicationState(productUpdates) });
}

/** Each decision is appended to the consent history (kind `product_updates`), the latest in force. */
export async function putCommunication(c: Context<AppEnv>): Promise<Response> {
  const body = await readJson(c.req.raw, communicationBody);
  const { accountId, keyId } = c.get("auth");
  await setProductUpdates(coreDb(c.env.DB), accountId, body.product_updates, `key:${keyId}`);
  return getCommunication(c);
}

/** Restriction of processing (GDPR Art. 18): `GET|PUT /v1/account/restriction`. */
import type { Context } from "hono";
import { z } from "zod";
import { coreDb } from "../../db/client";
import type { Account } from "../../db/schema";
import { ownAccount, setProcessingRestricted } from "../../self-service/account";
import { RESTRICTED_LOG_FIELDS } from "../../shared/log-event";
import { evictAccount } from "../auth-cache";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { iso } from "../../self-service/views";

export const restrictionBody = z.object({ restricted: z.boolean() }).strict();

function restrictionView(account: Account) {
  return {
    object: "restriction",
    restricted: account.restrictedAt !== null,
    restricted_at: iso(account.restrictedAt),
    // What the request logs leave out while restricted, stated whatever the state.
    omitted_from_logs: RESTRICTED_LOG_FIELDS,
  };
}

export async function getRestriction(c: Context<AppEnv>): Promise<Response> {
  return c.json(restrictionView(await ownAccount(coreDb(c.env.DB), c.get("auth").accountId)));
}

/**
 * The request itself is logged in the new state: the restriction applies
 * from the request that asks for it.
 */
export async function putRestriction(c: Context<AppEnv>): Promise<Response> {
  const { restricted } = await readJson(c.req.raw, restrictionBody);
  const auth = c.get("auth");
  const account = await setProcessingRestricted(c.env, auth.accountId, restricted, `key:${auth.keyId}`);
  evictAccount(auth.accountId);
  c.set("auth", { ...auth, restricted });
  return c.json(restrictionView(account));
}

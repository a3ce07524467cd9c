/** Restriction of processing (GDPR Art. 18): `GET|PUT /v1/account/restriction`. */
import type { Context } from "hono";
import { z } from "zod";
import { setRestriction } from "../../db/accounts";
import { coreDb } from "../../db/client";
import type { Account } from "../../db/schema";
import { pushAccessChange } from "../../limits/controls";
import { errors } from "../../shared/errors";
import { evictAccount } from "../auth-cache";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { RESTRICTED_LOG_FIELDS } from "../log-event";
import { iso } from "../views";
import { ownAccount } from "./profile";

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
 * Restricting is told to the limiter before D1 records it and lifting after,
 * so a failure in between errs on the side of restricting (the access-change
 * contract, src/limits/controls.ts). The request itself is logged in the new
 * state: the restriction applies from the request that asks for it.
 */
export async function putRestriction(c: Context<AppEnv>): Promise<Response> {
  const { restricted } = await readJson(c.req.raw, restrictionBody);
  const auth = c.get("auth");
  if (restricted) await pushAccessChange(c.env, auth.accountId, { restricted });
  const account = await setRestriction(coreDb(c.env.DB), auth.accountId, restricted, Date.now(), `key:${auth.keyId}`);
  if (!account) throw errors.notFound("No such account.", "account_not_found");
  if (!restricted) await pushAccessChange(c.env, auth.accountId, { restricted });
  evictAccount(auth.accountId);
  c.set("auth", { ...auth, restricted });
  return c.json(restrictionView(account));
}

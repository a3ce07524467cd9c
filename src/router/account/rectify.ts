/** Rectification (GDPR Art. 16): `PATCH /v1/account`, over src/self-service/profile.ts. */
import type { Context } from "hono";
import { z } from "zod";
import { coreDb } from "../../db/client";
import { billingAddressSchema } from "../../self-service/billing-address";
import { rectifyProfile } from "../../self-service/profile";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { accountProfile } from "./profile";

/**
 * Absent fields stay as they are; `company` and `billing_address` take null
 * to clear them. `billing_address` replaces the stored address as a whole.
 * `email` does not change the address in use: it becomes `pending_email`,
 * confirmed from the console (docs/privacy.md).
 */
export const rectifyAccountBody = z
  .object({
    name: z.string().min(1).max(200),
    company: z.string().max(200).nullable(),
    billing_address: billingAddressSchema.nullable(),
    email: z.email().max(254),
  })
  .partial()
  .strict()
  .refine((b) => Object.keys(b).length > 0, { message: "Give at least one of 'name', 'company', 'billing_address', 'email'." });

export async function rectifyAccount(c: Context<AppEnv>): Promise<Response> {
  const body = await readJson(c.req.raw, rectifyAccountBody);
  const { accountId, keyId } = c.get("auth");
  const db = coreDb(c.env.DB);
  const { account } = await rectifyProfile(
    db,
    accountId,
    { name: body.name, company: body.company, billingAddress: body.billing_address, email: body.email },
    `key:${keyId}`,
    { env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) },
  );
  return c.json(await accountProfile(db, account));
}

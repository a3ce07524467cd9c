/** Rectification (GDPR Art. 16): `PATCH /v1/account`. */
import type { Context } from "hono";
import { z } from "zod";
import { correctAccount, findAccountByEmail, normalizeEmail } from "../../db/accounts";
import { coreDb, type CoreDb } from "../../db/client";
import type { Account } from "../../db/schema";
import { errors } from "../../shared/errors";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { billingAddressSchema } from "./billing-address";
import { ownAccount } from "../../self-service/account";
import { accountProfile } from "./profile";

/**
 * Absent fields stay as they are; `company` and `billing_address` take null
 * to clear them. `billing_address` replaces the stored address as a whole.
 * `email` does not change the address in use: it becomes `pending_email`.
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

/**
 * The pending email a requested address becomes: none when it is the
 * account's own (nothing to confirm, and an earlier request is dropped).
 * An address another account uses is refused with a bare 409 that names no
 * account; it is checked again when the address is confirmed, since two
 * accounts may have the same address pending.
 */
async function pendingEmailFor(db: CoreDb, account: Account, email: string): Promise<string | null> {
  const normalized = normalizeEmail(email);
  if (normalized === account.email) return null;
  const holder = await findAccountByEmail(db, normalized);
  if (holder) throw errors.conflict("This email address cannot be used for this account.", "email_unavailable");
  return normalized;
}

export async function rectifyAccount(c: Context<AppEnv>): Promise<Response> {
  const body = await readJson(c.req.raw, rectifyAccountBody);
  const { accountId, keyId } = c.get("auth");
  const db = coreDb(c.env.DB);
  const pendingEmail = body.email === undefined ? undefined : await pendingEmailFor(db, await ownAccount(db, accountId), body.email);
  const corrected = await correctAccount(
    db,
    accountId,
    { name: body.name, company: body.company, billingAddress: body.billing_address, pendingEmail },
    `key:${keyId}`,
  );
  if (!corrected) throw errors.notFound("No such account.", "account_not_found");
  return c.json(await accountProfile(db, corrected));
}

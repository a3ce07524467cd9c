/**
 * POST /admin/v1/accounts/{id}/credits: an operator adjustment to an
 * account's prepaid balance (a grant, a correction, a refund made outside
 * Stripe). The account's limiter object applies it and makes its ledger
 * entry (docs/billing.md, "Credits, budgets and the ledger"). The account's
 * audit log records it, as every operator action on an account.
 */
import { Hono } from "hono";
import { z } from "zod";
import { nanoToUsd, usdToNano } from "../../billing/money";
import { writeAudit } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { limiterFor } from "../../limits/client";
import { sha256Hex } from "../../shared/crypto";
import { errors } from "../../shared/errors";
import { readJson } from "../body";
import type { AppEnv } from "../env";

const ADMIN_ACTOR = "admin";
/** Largest single adjustment, either way: a typo of a few zeros is refused, not booked. */
const MAX_ADJUSTMENT_USD = 1_000_000;
const operatorText = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

export const creditAdjustmentBody = z
  .object({
    /** Signed USD, at most 9 decimals (nano-USD), never 0. */
    amount_usd: z
      .number()
      .min(-MAX_ADJUSTMENT_USD)
      .max(MAX_ADJUSTMENT_USD)
      .refine((usd) => usd !== 0, "must not be 0")
      .refine((usd) => nanoToUsd(usdToNano(usd)) === usd, "at most 9 decimals"),
    /** Why: for the operator and the customer's transaction list; never customer content. */
    note: operatorText(500).optional(),
    /** The operator's reference (ticket, invoice). */
    reference: operatorText(200).optional(),
  })
  .strict();

/** An operator's retry key: 1–255 printable ASCII characters (as Stripe takes them). */
const idempotencyKey = z.string().regex(/^[\x20-\x7e]{1,255}$/);

/**
 * The adjustment's entry id: with an Idempotency-Key, one per account and
 * key, so a retry after a timeout is the same entry and the limiter applies
 * it once; without one, a new entry each call. Account and key are hashed
 * together: the key is free text, the id appears in URLs as a cursor, and
 * the id outlives the account (erasure pseudonymises the ledger's account_id,
 * never its entry ids), so it must not carry the account id.
 */
async function adjustmentEntryId(accountId: string, key: string | undefined): Promise<string> {
  if (key === undefined) return `admin:${crypto.randomUUID()}`;
  if (!idempotencyKey.safeParse(key).success) throw errors.invalidRequest("Idempotency-Key must be 1 to 255 printable ASCII characters.", "Idempotency-Key", "invalid_idempotency_key");
  return `admin:${await sha256Hex(`${accountId}\n${key}`)}`;
}

export const adminCreditRoutes = new Hono<AppEnv>().post("/:id/credits", async (c) => {
  const body = await readJson(c.req.raw, creditAdjustmentBody);
  const accountId = c.req.param("id");
  const db = coreDb(c.env.DB);
  const account = await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, accountId), columns: { id: true } });
  if (!account) throw errors.notFound("No such account.", "account_not_found");
  const entryId = await adjustmentEntryId(accountId, c.req.header("idempotency-key"));
  const createdAt = Date.now();
  const amountNano = usdToNano(body.amount_usd);
  // Audited before the balance changes, so no adjustment is ever made without
  // its entry; should the credit then fail, the entry names an id the ledger
  // lacks. A retry with the same Idempotency-Key is audited again under the
  // same target (the entry id), and applied once. The note and reference are
  // the operator's free text: they stay in the ledger, not in the audit log.
  await writeAudit(db, { accountId, actor: ADMIN_ACTOR, action: "credits.adjust", target: entryId, details: { amount_usd: nanoToUsd(amountNano) } });
  const { applied, balanceNano } = await limiterFor(c.env, accountId).credit({
    entryId,
    accountId,
    kind: "adjustment",
    amountNano,
    note: body.note ?? null,
    reference: body.reference ?? null,
    at: createdAt,
  });
  return c.json(
    {
      object: "credit_adjustment",
      id: entryId,
      kind: "adjustment",
      amount_usd: nanoToUsd(amountNano),
      note: body.note ?? null,
      reference: body.reference ?? null,
      created_at: new Date(createdAt).toISOString(),
      balance_usd: nanoToUsd(balanceNano),
      applied,
    },
    applied ? 201 : 200,
  );
});

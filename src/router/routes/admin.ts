import { Hono } from "hono";
import { z } from "zod";
import { changeTier, tierInForce } from "../../billing/tier";
import { createAccount, findAccountByEmail, updateAccount } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { createKey } from "../../db/keys";
import { ACCOUNT_STATUSES, KEY_DATA_REGIONS, KEY_SCOPES, TIERS } from "../../db/schema";
import { currentCatalogue } from "../../routing/catalogue-store";
import { errors } from "../../shared/errors";
import { evictAccount } from "../auth-cache";
import { enforceStatus } from "../enforcement";
import { readJson } from "../body";
import type { AppEnv } from "../env";
import { adminAuth } from "../middleware/admin-auth";
import { billingAddressSchema } from "../../self-service/billing-address";
import { budgetBody } from "../../self-service/budget";
import { adminCatalogueRoutes } from "./admin-catalogue";
import { adminCreditRoutes } from "./admin-credits";
import { adminErasureRoutes } from "./admin-erasures";
import { accountView, keyView } from "../../self-service/views";

const ADMIN_ACTOR = "admin";

export const createAccountBody = z
  .object({
    email: z.email().max(254),
    name: z.string().min(1).max(200),
    company: z.string().max(200).optional(),
    tier: z.enum(TIERS),
    billing_address: billingAddressSchema.optional(),
  })
  .strict();

export const updateAccountBody = z
  .object({
    tier: z.enum(TIERS).optional(),
    status: z.enum(ACCOUNT_STATUSES).optional(),
    /** Why (AUP enforcement): shown to the customer; required for any status but active. */
    reason: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .regex(/^[^\p{Cc}]*$/u, "must not contain control characters")
      .optional(),
  })
  .strict()
  .refine((b) => b.tier !== undefined || b.status !== undefined, { message: "Give 'tier' or 'status'." })
  .refine((b) => b.status === undefined || b.status === "active" || b.reason !== undefined, {
    message: "Give a 'reason' for any status but active: the customer is shown it.",
    path: ["reason"],
  })
  .refine((b) => b.reason === undefined || b.status !== undefined, { message: "'reason' goes with 'status'.", path: ["reason"] });

const positiveInt = z.number().int().positive();
/** Accepts ISO 8601 or Unix seconds; must lie in the future. */
const expiresAt = z
  .union([z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)), z.number().int().positive().transform((s) => s * 1000)])
  .refine((ms) => ms > Date.now(), { message: "must be in the future" });

export const createKeyBody = z
  .object({
    name: z.string().max(100).optional(),
    expires_at: expiresAt.nullable().optional(),
    limits: z.object({ rpm: positiveInt, tpm: positiveInt, concurrency: positiveInt }).partial().strict().optional(),
    /** Checked against the catalogue in force once parsed (see the handler). */
    models: z.array(z.string()).min(1).nullable().optional(),
    scopes: z.array(z.enum(KEY_SCOPES)).min(1).optional(),
    /** "eu": the key may use EU-hosted routes only. */
    data_region: z.enum(KEY_DATA_REGIONS).nullable().optional(),
    /** Spend limit per UTC day, week or month; null or absent: none. */
    budget: budgetBody.optional(),
  })
  .strict();

export const lookupBody = z.object({ email: z.email().max(254) }).strict();

export const adminRoutes = new Hono<AppEnv>()
  // Operator responses show emails and, once, new keys: no cache may keep them.
  .use(async (c, next) => {
    await next();
    c.header("cache-control", "no-store");
  })
  .use(adminAuth())
  .route("/catalogue", adminCatalogueRoutes)
  .route("/erasures", adminErasureRoutes)
  .route("/accounts", adminCreditRoutes)
  .post("/accounts", async (c) => {
    const body = await readJson(c.req.raw, createAccountBody);
    const account = await createAccount(
      coreDb(c.env.DB),
      { email: body.email, name: body.name, company: body.company, tier: body.tier, billingAddress: body.billing_address },
      ADMIN_ACTOR,
    );
    if (!account) throw errors.conflict("An account with this email already exists.", "account_exists");
    return c.json(accountView(account), 201);
  })
  // The look-up takes the email in the body: a URL (with its query string) is
  // copied into access logs and traces that a body never reaches.
  .post("/accounts/lookup", async (c) => {
    const body = await readJson(c.req.raw, lookupBody);
    const account = await findAccountByEmail(coreDb(c.env.DB), body.email);
    return c.json({ object: "list", data: account ? [accountView(account)] : [] });
  })
  .get("/accounts", () => {
    throw errors.invalidRequest("Look accounts up with POST /admin/v1/accounts/lookup and {\"email\": ...} in the body; emails are not taken in URLs.", "email", "email_in_query");
  })
  .patch("/accounts/:id", async (c) => {
    const body = await readJson(c.req.raw, updateAccountBody);
    const db = coreDb(c.env.DB);
    const accountId = c.req.param("id");
    const current = await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, accountId) });
    if (!current) throw errors.notFound("No such account.", "account_not_found");
    // Termination and closure are final (docs/enforcement.md).
    if (current.status === "terminated") throw errors.conflict("The account is terminated; that cannot be undone.", "account_terminated");
    if (current.closedAt !== null) throw errors.conflict("The account is closed; it cannot be changed.", "account_closed");
    const write = () =>
      body.status
        ? enforceStatus(c.env, db, current, { status: body.status, reason: body.reason ?? null, tier: body.tier }, ADMIN_ACTOR, (work) => c.executionCtx.waitUntil(work))
        : updateAccount(db, accountId, body, ADMIN_ACTOR);
    // A tier change reaches every isolate's limits through the limiter (src/billing/tier.ts).
    const account = body.tier ? await changeTier(c.env, accountId, tierInForce(current, Date.now()), body.tier, write, (a) => (a ? tierInForce(a, Date.now()) : null)) : await write();
    if (!account) throw errors.notFound("No such account.", "account_not_found");
    evictAccount(account.id);
    return c.json(accountView(account));
  })
  .post("/accounts/:id/keys", async (c) => {
    const body = await readJson(c.req.raw, createKeyBody);
    if (body.models) {
      const catalogue = await currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p));
      const unknown = body.models.findIndex((id) => !catalogue.find(id));
      if (unknown >= 0) throw errors.invalidRequest(`Invalid value for 'models[${unknown}]': unknown model`, `models[${unknown}]`, "invalid_value");
    }
    const db = coreDb(c.env.DB);
    const accountId = c.req.param("id");
    const account = await db.query.accounts.findFirst({ where: (a, { eq }) => eq(a.id, accountId) });
    if (!account) throw errors.notFound("No such account.", "account_not_found");
    if (account.closedAt !== null) throw errors.conflict("The account is closed.", "account_closed");
    const { key, record } = await createKey(
      db,
      accountId,
      { name: body.name, expiresAt: body.expires_at, limits: body.limits, models: body.models, scopes: body.scopes ?? [...KEY_SCOPES], dataRegion: body.data_region, budget: body.budget },
      ADMIN_ACTOR,
    );
    return c.json({ ...keyView(record), key }, 201);
  });

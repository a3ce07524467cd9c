/** @jsxImportSource hono/jsx */
/**
 * The keys pages: list and create (/keys), one key's edit page (/keys/<id>),
 * rotate and revoke. The session acts with the account owner's authority
 * (OWNER_GRANT) through the same logic as /v1/keys (src/self-service/keys.ts);
 * docs/console-keys.md. A new key appears only in the answer to the POST
 * that made it (no-store), never in storage or a redirect.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { z } from "zod";
import { coreDb } from "../../db/client";
import type { ApiKey } from "../../db/schema";
import { listKeys } from "../../db/keys";
import { currentCatalogue } from "../../routing/catalogue-store";
import { accountKeyOrThrow, createAccountKey, OWNER_GRANT, revokeAccountKey, rotateAccountKey, updateAccountKey, type KeyDeps } from "../../self-service/keys";
import { ApiError, errors } from "../../shared/errors";
import { sessionActor } from "../auth/actor";
import { limiterEnv, type ConsoleAppEnv } from "../env";
import { signedIn } from "../middleware/session";
import { GRACE_CHOICES, keyEditPage } from "../pages/keys/edit-page";
import { createBodyOf, expiryDate, fieldOfParam, parseKeyForm, updateBodyOf, valuesOf, type FieldErrors } from "../pages/keys/form";
import { keysListPage, type KeysListData } from "../pages/keys/list-page";
import { parseBudgetForm } from "../pages/keys/budget";
import { accountKeySpend } from "../../self-service/budget";

type Ctx = Context<ConsoleAppEnv>;

const owner = async () => OWNER_GRANT;

function deps(c: Ctx): KeyDeps {
  return { db: coreDb(c.env.DB), limiter: limiterEnv(c.env), catalogue: () => currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p)) };
}

async function catalogueModels(c: Ctx) {
  const catalogue = await deps(c).catalogue();
  return catalogue.models.map((m) => ({ id: m.id, name: m.name }));
}

async function listPage(c: Ctx, data: Omit<KeysListData, "keys" | "spend" | "models" | "apiBaseUrl" | "now">) {
  const { accountId } = signedIn(c);
  // Budgets show their spend, which the account's limiter object holds: one call for every key.
  const keys = await listKeys(coreDb(c.env.DB), accountId);
  const spend = await accountKeySpend(limiterEnv(c.env), accountId, keys);
  return keysListPage(c, { ...data, keys, spend, models: await catalogueModels(c), apiBaseUrl: c.env.API_BASE_URL, now: Date.now() });
}

async function keySpend(c: Ctx, key: ApiKey) {
  return (await accountKeySpend(limiterEnv(c.env), signedIn(c).accountId, [key]))[key.id];
}

/** A refusal of the key logic that names a field of the form, as a message next to that field; null for any other error. */
function fieldErrorOf(err: unknown): FieldErrors | null {
  if (!(err instanceof ApiError) || (err.status !== 400 && err.status !== 403)) return null;
  const field = fieldOfParam(err.param);
  if (!field) return null;
  if (err.code === "cannot_broaden_key") return { [field]: "An existing key can only be made stricter here; create a new key for a looser one." };
  if (field === "models" && err.code === "invalid_value") return { models: "A model you chose is no longer in the catalogue; reload the page." };
  return { [field]: err.message };
}

const rotateForm = z.object({
  grace: z
    .enum(GRACE_CHOICES.map((g) => String(g.seconds)) as [string, ...string[]])
    .optional()
    .default(String(GRACE_CHOICES[0].seconds)),
});

export const keysPages = new Hono<ConsoleAppEnv>()
  .get("/", async (c) => listPage(c, { notice: c.req.query("revoked") === "1" ? "The key was revoked: it is refused from now on." : undefined }))
  .post("/", async (c) => {
    const raw = await c.req.parseBody({ all: true });
    const parsed = parseKeyForm(raw);
    const retry = (errors: FieldErrors) => listPage(c, { form: { values: valuesOf(raw), errors }, status: 400 });
    if (!parsed.ok) return retry(parsed.errors);
    const session = signedIn(c);
    try {
      const { key, record } = await createAccountKey(deps(c), session.accountId, createBodyOf(parsed.form), owner, sessionActor(session));
      c.header("cache-control", "no-store");
      return await listPage(c, { shown: { key, record } });
    } catch (err) {
      const fieldErrors = fieldErrorOf(err);
      if (fieldErrors) return retry(fieldErrors);
      throw err;
    }
  })
  .get("/:id", async (c) => {
    const key = await accountKeyOrThrow(coreDb(c.env.DB), signedIn(c).accountId, c.req.param("id"));
    const saved = c.req.query("saved");
    const notice = saved === "1" ? "Saved." : saved === "0" ? "Nothing changed." : undefined;
    return keyEditPage(c, { key, models: await catalogueModels(c), spend: await keySpend(c, key), now: Date.now(), notice });
  })
  .post("/:id", async (c) => {
    const session = signedIn(c);
    const key = await accountKeyOrThrow(coreDb(c.env.DB), session.accountId, c.req.param("id"));
    const raw = await c.req.parseBody({ all: true });
    const typedExpiry = typeof raw.expires === "string" ? raw.expires : "";
    // An unchanged expiry is not judged, so a key whose expiry has passed can still be edited.
    const unchangedExpiry = typedExpiry.trim() === expiryDate(key.expiresAt);
    const parsed = parseKeyForm(unchangedExpiry ? { ...raw, expires: "" } : raw);
    const retry = async (errors: FieldErrors) =>
      keyEditPage(c, { key, models: await catalogueModels(c), spend: await keySpend(c, key), now: Date.now(), form: { values: valuesOf(raw), errors }, status: 400 });
    if (!parsed.ok) return retry(parsed.errors);
    const body = updateBodyOf(key, parsed.form, typedExpiry);
    if (!body) return c.redirect(`/keys/${key.id}?saved=0`, 303);
    try {
      await updateAccountKey(deps(c), session.accountId, key.id, body, owner, sessionActor(session));
    } catch (err) {
      const fieldErrors = fieldErrorOf(err);
      if (fieldErrors) return retry(fieldErrors);
      throw err;
    }
    return c.redirect(`/keys/${key.id}?saved=1`, 303);
  })
  // Sets, changes or (empty amount) removes the key's budget, as PATCH /v1/keys/{id} with `budget` does.
  .post("/:id/budget", async (c) => {
    const session = signedIn(c);
    const key = await accountKeyOrThrow(coreDb(c.env.DB), session.accountId, c.req.param("id"));
    const raw = await c.req.parseBody();
    const parsed = parseBudgetForm(raw);
    if (!parsed.ok) {
      const values = { amount: typeof raw.amount === "string" ? raw.amount : "", period: typeof raw.period === "string" ? raw.period : "" };
      return keyEditPage(c, { key, models: await catalogueModels(c), spend: await keySpend(c, key), now: Date.now(), budgetForm: { values, error: parsed }, status: 400 });
    }
    await updateAccountKey(deps(c), session.accountId, key.id, { budget: parsed.budget }, owner, sessionActor(session));
    return c.redirect(`/keys/${key.id}?saved=1`, 303);
  })
  .post("/:id/rotate", async (c) => {
    const session = signedIn(c);
    const form = rotateForm.safeParse(await c.req.parseBody());
    if (!form.success) throw errors.invalidRequest("Choose one of the grace periods offered.", "grace");
    const rotated = await rotateAccountKey(deps(c), session.accountId, c.req.param("id"), Number(form.data.grace), owner, sessionActor(session));
    c.header("cache-control", "no-store");
    return listPage(c, { shown: { key: rotated.key, record: rotated.record, rotated: { old: rotated.old, stopsAt: rotated.oldStopsAt } } });
  })
  .post("/:id/revoke", async (c) => {
    const session = signedIn(c);
    await revokeAccountKey(deps(c), session.accountId, c.req.param("id"), sessionActor(session));
    return c.redirect("/keys?revoked=1", 303);
  });

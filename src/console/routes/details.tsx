/** @jsxImportSource hono/jsx */
/**
 * "Your details" (/privacy/details): rectification (GDPR Art. 16) through
 * the API's logic (src/self-service/profile.ts). Only the fields that differ
 * from the account are sent on, so the audit names what changed. A new
 * email waits as `pending_email` and is mailed a confirmation link at once
 * (auth/email-change.ts). The answer is the same whether or not another
 * account holds the address, so this form cannot probe for accounts.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { normalizeEmail } from "../../db/accounts";
import { coreDb } from "../../db/client";
import type { Account, BillingAddress } from "../../db/schema";
import { ownAccount } from "../../self-service/account";
import { billingAddressSchema } from "../../self-service/billing-address";
import { rectifyProfile, type ProfileCorrection } from "../../self-service/profile";
import { CONSOLE_LINK_TTL_MS } from "../../shared/retention";
import { sessionActor } from "../auth/actor";
import { mailEmailConfirmation } from "../auth/email-change";
import { consoleOrigin, type ConsoleAppEnv } from "../env";
import { signedIn } from "../middleware/session";
import { DETAIL_FIELDS, DetailsForm, detailValues, PendingEmail, type DetailErrors, type DetailValues } from "../pages/details";
import { page } from "../pages/layout";

type Ctx = Context<ConsoleAppEnv>;

const MINUTES = Math.round(CONSOLE_LINK_TTL_MS / 60_000);
const SAVED_MESSAGES = {
  details: "Your details are saved.",
  nothing: "Nothing changed.",
  email: "Your details are saved. We mailed a confirmation link to your new address; your current address stays in use until you follow it.",
  resent: "We mailed a new confirmation link to your new address.",
  limited: `We could not mail a confirmation link now: too many links went to that address in the last ${MINUTES} minutes. Use "Send the confirmation link again" later.`,
  cancelled: "The email change is cancelled.",
} as const;
type Saved = keyof typeof SAVED_MESSAGES;
const savedQuery = z.object({ saved: z.enum(Object.keys(SAVED_MESSAGES) as [Saved, ...Saved[]]).optional() });

const text = (max: number) => z.string().trim().max(max);
const detailsForm = z.object({
  name: z.string().trim().min(1).max(200),
  company: text(200),
  line1: text(200),
  line2: text(200),
  city: text(100),
  postal_code: text(20),
  country: z.string().trim(),
  email: z.string().trim().pipe(z.email().max(254)),
});
type DetailsForm = z.output<typeof detailsForm>;

const MESSAGES: Record<keyof DetailsForm, string> = {
  name: "Enter your name (1 to 200 characters).",
  company: "The company name can have up to 200 characters.",
  line1: "Address line 1 can have up to 200 characters.",
  line2: "Address line 2 can have up to 200 characters.",
  city: "The city can have up to 100 characters.",
  postal_code: "The postal code can have up to 20 characters.",
  country: 'Choose a country from the list (an ISO 3166-1 code in upper case, such as "DE").',
  email: "Enter a valid email address.",
};
const ADDRESS_KEYS = ["line1", "line2", "city", "postal_code", "country"] as const;

function errorsOf(error: z.ZodError): DetailErrors {
  const errors: DetailErrors = {};
  for (const issue of error.issues) {
    const field = issue.path[0] as keyof DetailsForm;
    errors[field] ??= MESSAGES[field] ?? "Check this field.";
  }
  return errors;
}

/** The form's fields and the billing address they make (null when every line is blank), validated as the API validates. */
function parseDetails(values: DetailValues): { ok: true; form: DetailsForm; address: BillingAddress | null } | { ok: false; errors: DetailErrors } {
  const parsed = detailsForm.safeParse(values);
  if (!parsed.success) return { ok: false, errors: errorsOf(parsed.error) };
  const lines = Object.fromEntries(ADDRESS_KEYS.map((k) => [k, parsed.data[k]]).filter(([, v]) => v !== ""));
  const address = billingAddressSchema.safeParse(lines);
  if (!address.success) return { ok: false, errors: errorsOf(address.error) };
  return { ok: true, form: parsed.data, address: Object.keys(address.data).length > 0 ? address.data : null };
}

/** What differs from the account; an email equal to the address in use or the pending one asks for nothing. */
function correctionOf(account: Account, form: DetailsForm, address: BillingAddress | null): ProfileCorrection {
  const correction: ProfileCorrection = {};
  if (form.name !== account.name) correction.name = form.name;
  const company = form.company === "" ? null : form.company;
  if (company !== account.company) correction.company = company;
  if (ADDRESS_KEYS.some((k) => (address?.[k] ?? "") !== (account.billingAddress?.[k] ?? ""))) correction.billingAddress = address;
  const email = normalizeEmail(form.email);
  if (email !== account.email && email !== account.pendingEmail) correction.email = email;
  return correction;
}

async function detailsPage(c: Ctx, form: { values?: DetailValues; errors?: DetailErrors; status?: 400 } = {}) {
  const account = await ownAccount(coreDb(c.env.DB), signedIn(c).accountId);
  const saved = savedQuery.safeParse(c.req.query()).data?.saved;
  const errors = form.errors ?? {};
  return page(
    c,
    { title: "Your details", active: "/privacy", status: form.status ?? 200 },
    <>
      {Object.keys(errors).length > 0 ? <p role="alert">Nothing was saved: the form needs a change.</p> : null}
      {saved && !form.status ? <p role="status">{SAVED_MESSAGES[saved]}</p> : null}
      <p>
        Correct what we hold about you (your right to rectification). <a href="/privacy">Back to Privacy and data</a>
      </p>
      <DetailsForm c={c} values={form.values ?? detailValues(account)} errors={errors} />
      <PendingEmail c={c} account={account} />
    </>,
  );
}

async function postedValues(c: Ctx): Promise<DetailValues> {
  const body = await c.req.parseBody();
  return Object.fromEntries(DETAIL_FIELDS.map((f) => [f, typeof body[f] === "string" ? body[f] : ""])) as DetailValues;
}

const back = (c: Ctx, saved: Saved) => c.redirect(`/privacy/details?saved=${saved}`, 303);

export const detailsPages = new Hono<ConsoleAppEnv>()
  .get("/", (c) => detailsPage(c))
  .post("/", async (c) => {
    const values = await postedValues(c);
    const parsed = parseDetails(values);
    if (!parsed.ok) return detailsPage(c, { values, errors: parsed.errors, status: 400 });
    const session = signedIn(c);
    const db = coreDb(c.env.DB);
    const correction = correctionOf(await ownAccount(db, session.accountId), parsed.form, parsed.address);
    if (Object.keys(correction).length === 0) return back(c, "nothing");
    const result = await rectifyProfile(db, session.accountId, correction, sessionActor(session), { env: c.env, waitUntil: (p) => c.executionCtx.waitUntil(p) });
    if (!result.requestedEmail) return back(c, "details");
    const account = { ...result.account, pendingEmail: result.requestedEmail };
    const sent = await mailEmailConfirmation(c.env, account, consoleOrigin(c.env, c.req.url), Date.now());
    return back(c, sent === "sent" ? "email" : "limited");
  })
  .post("/resend", async (c) => {
    const account = await ownAccount(coreDb(c.env.DB), signedIn(c).accountId);
    if (!account.pendingEmail) return back(c, "nothing");
    const sent = await mailEmailConfirmation(c.env, { ...account, pendingEmail: account.pendingEmail }, consoleOrigin(c.env, c.req.url), Date.now());
    return back(c, sent === "sent" ? "resent" : "limited");
  })
  // Asking for the address in use drops the pending one (self-service/profile.ts).
  .post("/cancel-email", async (c) => {
    const session = signedIn(c);
    const db = coreDb(c.env.DB);
    const account = await ownAccount(db, session.accountId);
    if (!account.pendingEmail) return back(c, "nothing");
    await rectifyProfile(db, session.accountId, { email: account.email }, sessionActor(session));
    return back(c, "cancelled");
  });

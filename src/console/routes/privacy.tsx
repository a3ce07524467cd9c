/** @jsxImportSource hono/jsx */
/**
 * "Privacy and data": the GDPR rights without code (docs/console-privacy.md).
 * Every change goes through the logic the API uses (src/self-service/), with
 * the actor `session:<12 hex>`; forms post, then 303 back to the page.
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { consentHistory, currentConsent, normalizeEmail } from "../../db/accounts";
import { coreDb } from "../../db/client";
import { closeOwnAccount, eraseAccountNow, ownAccount, setNonEuConsent, setProcessingRestricted, setProductUpdates } from "../../self-service/account";
import { accountExport, exportFormat } from "../../self-service/export";
import { nonEuTransferScope } from "../../self-service/transfer-scope";
import { clearSessionCookie } from "../auth/session";
import { sessionActor } from "../auth/actor";
import { limiterEnv, type ConsoleAppEnv } from "../env";
import { signedIn } from "../middleware/session";
import { DetailsSummary } from "../pages/details";
import { readForm } from "../pages/form";
import { page } from "../pages/layout";
import { AccountEndSection, CommunicationSection, ConsentSection, ExportSection, RestrictionSection, type PrivacyState } from "../pages/privacy";
import { closeConfirmPage, closedPage, eraseConfirmPage, erasedPage } from "../pages/privacy-confirm";
import { detailsPages } from "./details";

type Ctx = Context<ConsoleAppEnv>;


/** What the self-service functions need: the databases, Stripe (closure, erasure), and the router's limiter typed. */
function selfServiceEnv(c: Ctx) {
  return { DB: c.env.DB, LOGS_DB: c.env.LOGS_DB, BILLING_DB: c.env.BILLING_DB, STRIPE_API_BASE: c.env.STRIPE_API_BASE, STRIPE_SECRET_KEY: c.env.STRIPE_SECRET_KEY, ...limiterEnv(c.env) };
}

const SAVED_MESSAGES = {
  consent: "Your consent choice is saved.",
  restriction: "Your restriction choice is saved.",
  updates: "Your product updates choice is saved.",
} as const;
const savedQuery = z.object({ saved: z.enum(["consent", "restriction", "updates"]).optional() });

const consentForm = z.object({ non_eu_transfer: z.enum(["grant", "withdraw"]) });
const restrictionForm = z.object({ restricted: z.enum(["on", "off"]) });
const updatesForm = z.object({ product_updates: z.enum(["on", "off"]) });
const eraseForm = z.object({ email: z.string().max(320) });
const exportQuery = z.object({ format: exportFormat });

async function privacyState(c: Ctx): Promise<PrivacyState> {
  const db = coreDb(c.env.DB);
  const { accountId } = signedIn(c);
  const [account, nonEu, productUpdates, history] = await Promise.all([
    ownAccount(db, accountId),
    currentConsent(db, accountId, "non_eu_transfer"),
    currentConsent(db, accountId, "product_updates"),
    consentHistory(db, accountId),
  ]);
  return { account, nonEu, productUpdates, history, scope: nonEuTransferScope() };
}

async function privacyPage(c: Ctx, notice: { saved?: string; error?: string } = {}) {
  const state = await privacyState(c);
  return page(
    c,
    { title: "Privacy and data", active: "/privacy", status: notice.error ? 400 : 200 },
    <>
      {notice.error ? <p role="alert">{notice.error}</p> : null}
      {notice.saved ? <p role="status">{notice.saved}</p> : null}
      <DetailsSummary account={state.account} />
      <ConsentSection c={c} state={state} />
      <RestrictionSection c={c} account={state.account} />
      <CommunicationSection c={c} state={state} />
      <ExportSection />
      <AccountEndSection />
    </>,
  );
}

/**
 * Whether the browser says this request came from the console itself or from
 * the person (a typed address, a bookmark): Sec-Fetch-Site "same-origin" or
 * "none". The session cookie is SameSite=Lax, so another site could send a
 * signed-in person to this GET and write an export into their audit log.
 * Browsers that send no Sec-Fetch-Site are let through: the download itself
 * goes to the person, never to the other site.
 */
function startedHere(c: Ctx): boolean {
  const site = c.req.header("sec-fetch-site");
  return site === undefined || site === "same-origin" || site === "none";
}

const BAD_FORM = "That form was not understood. Reload the page and try again.";

export const privacyPages = new Hono<ConsoleAppEnv>()
  .route("/details", detailsPages)
  .get("/", (c) => {
    const saved = savedQuery.safeParse(c.req.query()).data?.saved;
    return privacyPage(c, saved ? { saved: SAVED_MESSAGES[saved] } : {});
  })
  .post("/consent", async (c) => {
    const form = await readForm(c, consentForm);
    if (!form.success) return privacyPage(c, { error: BAD_FORM });
    const session = signedIn(c);
    await setNonEuConsent(selfServiceEnv(c), session.accountId, form.data.non_eu_transfer === "grant", sessionActor(session));
    return c.redirect("/privacy?saved=consent#consent", 303);
  })
  .post("/restriction", async (c) => {
    const form = await readForm(c, restrictionForm);
    if (!form.success) return privacyPage(c, { error: BAD_FORM });
    const session = signedIn(c);
    await setProcessingRestricted(selfServiceEnv(c), session.accountId, form.data.restricted === "on", sessionActor(session));
    return c.redirect("/privacy?saved=restriction#restriction", 303);
  })
  .post("/communication", async (c) => {
    const form = await readForm(c, updatesForm);
    if (!form.success) return privacyPage(c, { error: BAD_FORM });
    const session = signedIn(c);
    await setProductUpdates(coreDb(c.env.DB), session.accountId, form.data.product_updates === "on", sessionActor(session));
    return c.redirect("/privacy?saved=updates#updates", 303);
  })
  // A GET, as a download is: it changes nothing but the audit log, which records it as the API's export does.
  .get("/export", async (c) => {
    if (!startedHere(c)) {
      return page(c, { title: "Download from the console", active: "/privacy", status: 403 }, <p role="alert">Another site sent you here. To download your export, use the links on <a href="/privacy">Privacy and data</a>.</p>);
    }
    const query = exportQuery.safeParse(c.req.query());
    if (!query.success) return privacyPage(c, { error: "Choose the export's format: JSON or CSV." });
    const session = signedIn(c);
    const { body, headers } = await accountExport(selfServiceEnv(c), session.accountId, query.data.format, sessionActor(session));
    return c.body(body, 200, headers);
  })
  .get("/close", (c) => closeConfirmPage(c))
  .post("/close", async (c) => {
    const session = signedIn(c);
    // Signs the account out everywhere too: closeAccount deletes its console sessions in the closing batch.
    const account = await closeOwnAccount(selfServiceEnv(c), session.accountId, sessionActor(session), (work) => c.executionCtx.waitUntil(work));
    clearSessionCookie(c);
    c.set("session", null);
    return closedPage(c, account.closedAt);
  })
  .get("/erase", (c) => eraseConfirmPage(c))
  .post("/erase", async (c) => {
    const form = await readForm(c, eraseForm);
    if (!form.success) return eraseConfirmPage(c, BAD_FORM);
    const session = signedIn(c);
    const account = await ownAccount(coreDb(c.env.DB), session.accountId);
    if (normalizeEmail(form.data.email) !== account.email) {
      return eraseConfirmPage(c, "That is not your account's email address. Nothing was erased.");
    }
    // Deleting the account row deletes its console sessions (ON DELETE CASCADE).
    await eraseAccountNow(selfServiceEnv(c), session.accountId, Date.now());
    clearSessionCookie(c);
    c.set("session", null);
    return erasedPage(c);
  });

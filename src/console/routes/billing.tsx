/** @jsxImportSource hono/jsx */
/**
 * The billing page (/billing) and its forms. Buying credits and upgrading
 * start a Stripe Checkout with the same code as POST /v1/billing/checkout
 * (src/billing/checkout.ts) and answer 303 to Stripe's page; "Manage
 * billing" does the same with the Customer Portal. Checkout returns to
 * BILLING_RETURN_URL (this page) with `checkout=success|cancelled`: only a
 * message, never trusted for money; the balance shown is the limiter's.
 * docs/billing.md, "Console billing page, budgets and notices".
 */
import { Hono, type Context } from "hono";
import { z } from "zod";
import { startCheckout, portalSession, topupBounds } from "../../billing/checkout";
import { NANO_PER_CENT, NANO_PER_USD } from "../../billing/money";
import { parseUsd } from "../../billing/money-text";
import { coreDb } from "../../db/client";
import { creditsView } from "../../self-service/credits";
import { MAX_NOTICE_USD, setLowBalanceNotice } from "../../self-service/low-balance";
import { ApiError } from "../../shared/errors";
import { sessionActor } from "../auth/actor";
import { limiterEnv, type ConsoleAppEnv } from "../env";
import { signedIn } from "../middleware/session";
import { billingPage, type BillingPageData } from "../pages/billing/page";
import { planOf } from "../pages/billing/plan";

type Ctx = Context<ConsoleAppEnv>;

const TRANSACTIONS_SHOWN = 20;

const NOTICES: Record<string, string> = {
  success: "Payment received. Your balance and plan update as soon as Stripe confirms the payment; reload this page in a moment if they have not yet.",
  cancelled: "Checkout cancelled: nothing was charged.",
};

const pageQuery = z.object({
  checkout: z.enum(["success", "cancelled"]).optional().catch(undefined),
  saved: z.literal("notice").optional().catch(undefined),
  before: z.string().max(200).optional().catch(undefined),
});

const textField = (raw: Record<string, unknown>, name: string) => (typeof raw[name] === "string" ? raw[name] : "");

async function render(c: Ctx, extra: Partial<BillingPageData> = {}, before?: string) {
  const { accountId } = signedIn(c);
  const env = c.env;
  const [credits, plan] = await Promise.all([
    creditsView({ ...limiterEnv(env), BILLING_DB: env.BILLING_DB, CREDITS_CURRENCY: env.CREDITS_CURRENCY }, accountId, { limit: TRANSACTIONS_SHOWN, ...(before ? { before } : {}) }),
    planOf(coreDb(env.DB), accountId),
  ]);
  const { min, max } = topupBounds(env);
  return billingPage(c, { credits, plan, now: Date.now(), topup: { min: min / 100, max: max / 100 }, ...extra });
}

/** An amount typed in USD → whole cents, or null when it is not a plain amount in cents at most. */
function centsOf(text: string): number | null {
  const nano = parseUsd(text);
  return nano === null || nano % NANO_PER_CENT !== 0 ? null : nano / NANO_PER_CENT;
}

/** A refusal of the checkout code the customer can act on (400 amount, 409 subscription): shown on the page. */
const shownRefusal = (err: unknown): err is ApiError => err instanceof ApiError && (err.status === 400 || err.status === 409);

export const billingPages = new Hono<ConsoleAppEnv>()
  .get("/", async (c) => {
    const query = pageQuery.parse(c.req.query());
    const notice = query.checkout ? NOTICES[query.checkout] : query.saved === "notice" ? "Low-balance notice saved." : undefined;
    return render(c, { notice }, query.before);
  })
  .post("/credits", async (c) => {
    const value = textField(await c.req.parseBody(), "amount");
    const { min, max } = topupBounds(c.env);
    const cents = centsOf(value);
    const refuse = (error: string) => render(c, { buy: { value, error }, status: 400 });
    if (cents === null || cents < min || cents > max) return refuse(`Enter an amount in US dollars from ${min / 100} to ${max / 100}, in cents at most (e.g. 25 or 25.50).`);
    try {
      const session = await startCheckout(c.env, signedIn(c).accountId, { purpose: "credits", amountMinor: cents });
      return c.redirect(session.url, 303);
    } catch (err) {
      if (shownRefusal(err)) return refuse(err.message);
      throw err;
    }
  })
  .post("/subscribe", async (c) => {
    try {
      const session = await startCheckout(c.env, signedIn(c).accountId, { purpose: "subscription", tier: "pro" });
      return c.redirect(session.url, 303);
    } catch (err) {
      if (shownRefusal(err)) return render(c, { alert: err.message, status: err.status === 409 ? 409 : 400 });
      throw err;
    }
  })
  .post("/portal", async (c) => {
    const session = await portalSession(c.env, signedIn(c).accountId);
    return c.redirect(session.url, 303);
  })
  .post("/notice", async (c) => {
    const session = signedIn(c);
    const value = textField(await c.req.parseBody(), "threshold");
    let threshold: number | null = null;
    if (value.trim() !== "") {
      threshold = parseUsd(value);
      if (threshold === null || threshold <= 0 || threshold > MAX_NOTICE_USD * NANO_PER_USD) {
        return render(c, { threshold: { value, error: `Enter an amount in US dollars above 0 and at most ${MAX_NOTICE_USD.toLocaleString("en-US")}, or leave it empty for no email.` }, status: 400 });
      }
    }
    await setLowBalanceNotice(coreDb(c.env.DB), limiterEnv(c.env), session.accountId, threshold, sessionActor(session));
    return c.redirect("/billing?saved=notice", 303);
  });

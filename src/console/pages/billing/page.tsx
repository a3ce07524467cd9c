/** @jsxImportSource hono/jsx */
/**
 * /billing: the balance (what is available, what requests in flight hold),
 * the forms that buy credits, upgrade to Pro, open Stripe's portal and set
 * the low-balance notice, and the recent transactions. Every form is a plain
 * POST (CSRF field) answered by a 303 to Stripe or back here.
 */
import type { Context } from "hono";
import { usdToNano } from "../../../billing/money";
import { formatUsd } from "../../../billing/money-text";
import type { CreditsView, CreditTransactionView } from "../../../self-service/credits";
import type { ConsoleAppEnv } from "../../env";
import { TextField } from "../fields";
import { CsrfField, page } from "../layout";
import { When } from "../when";
import { canSubscribe, PlanText, type Plan } from "./plan";

export interface FormState {
  value: string;
  error?: string | undefined;
}

export interface BillingPageData {
  credits: CreditsView;
  plan: Plan;
  now: number;
  /** Top-up bounds in USD (CREDITS_MIN_TOPUP, CREDITS_MAX_TOPUP). */
  topup: { min: number; max: number };
  /** A line about what happened (a return from Checkout, a saved setting). */
  notice?: string | undefined;
  /** A refusal that belongs to no field (e.g. a subscription already active). */
  alert?: string | undefined;
  buy?: FormState;
  threshold?: FormState;
  status?: 200 | 400 | 409;
}

const usd = (amount: number) => formatUsd(usdToNano(amount));

const KIND_NAMES: Record<CreditTransactionView["kind"], string> = {
  topup: "Top-up",
  usage: "Usage",
  subscription: "Subscription payment",
  refund: "Refund",
  adjustment: "Adjustment",
};

function Balance({ credits }: { credits: CreditsView }) {
  return (
    <section aria-labelledby="balance-title">
      <h2 id="balance-title">Balance</h2>
      <dl class="balance">
        <dt>Balance</dt>
        <dd data-testid="balance">{usd(credits.balance_usd)}</dd>
        <dt>Available</dt>
        <dd data-testid="available">{usd(credits.available_usd)}</dd>
        <dt>Reserved by requests in progress</dt>
        <dd data-testid="reserved">{usd(credits.reserved_usd)}</dd>
      </dl>
      <p class="hint">A request reserves its most possible price when it starts and is charged its real price when it ends. Without enough available credit, requests are refused (402).</p>
    </section>
  );
}

function Transactions({ credits }: { credits: CreditsView }) {
  return (
    <section aria-labelledby="transactions-title">
      <h2 id="transactions-title">Recent transactions</h2>
      {credits.transactions.length === 0 ? (
        <p>No transactions yet.</p>
      ) : (
        <div class="table-scroll">
          <table class="transactions">
            <thead>
              <tr>
                {["Date", "Kind", "Amount", "Requests"].map((h) => (
                  <th scope="col">{h}</th>
                ))}
              </tr>
            </thead>
            <tbody>
              {credits.transactions.map((t) => (
                <tr>
                  <td>
                    <When ms={Date.parse(t.created_at)} />
                  </td>
                  <td>{KIND_NAMES[t.kind]}</td>
                  <td class="num">{usd(t.amount_usd)}</td>
                  <td class="num">{t.kind === "usage" ? t.requests : ""}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {credits.next_before ? (
        <p>
          <a href={`/billing?before=${encodeURIComponent(credits.next_before)}`}>Older transactions</a>
        </p>
      ) : null}
    </section>
  );
}

function BuyCredits({ c, data }: { c: Context<ConsoleAppEnv>; data: BillingPageData }) {
  const form = data.buy ?? { value: "" };
  return (
    <section aria-labelledby="buy-title">
      <h2 id="buy-title">Buy credits</h2>
      <form method="post" action="/billing/credits">
        <CsrfField c={c} />
        <TextField
          id="buy-amount"
          name="amount"
          label="Amount (USD)"
          value={form.value}
          inputmode="decimal"
          required
          hint={`From ${usd(data.topup.min)} to ${usd(data.topup.max)}. You pay on Stripe's page, then come back here.`}
          error={form.error}
        />
        <button type="submit">Buy credits</button>
      </form>
    </section>
  );
}

function PlanSection({ c, data }: { c: Context<ConsoleAppEnv>; data: BillingPageData }) {
  return (
    <section aria-labelledby="plan-title">
      <h2 id="plan-title">Plan</h2>
      <PlanText plan={data.plan} now={data.now} />
      {canSubscribe(data.plan, data.now) ? (
        <form method="post" action="/billing/subscribe">
          <CsrfField c={c} />
          <button type="submit">Upgrade to Pro</button>
        </form>
      ) : null}
      {data.plan.hasCustomer ? (
        <form method="post" action="/billing/portal">
          <CsrfField c={c} />
          <button type="submit">Manage billing</button>
          <p class="hint">Payment methods, invoices and cancelling the subscription, on Stripe.</p>
        </form>
      ) : null}
    </section>
  );
}

function NoticeSection({ c, data }: { c: Context<ConsoleAppEnv>; data: BillingPageData }) {
  const current = data.credits.low_balance_threshold_usd;
  const form = data.threshold ?? { value: current === null ? "" : usd(current).slice(1).replaceAll(",", "") };
  return (
    <section aria-labelledby="notice-title">
      <h2 id="notice-title">Low-balance notice</h2>
      <form method="post" action="/billing/notice">
        <CsrfField c={c} />
        <TextField
          id="notice-threshold"
          name="threshold"
          label="Notify me below (USD)"
          value={form.value}
          inputmode="decimal"
          hint="We email you once when your balance falls below this amount, and again only after it has been back above it. Leave empty for no email."
          error={form.error}
        />
        <button type="submit">Save</button>
      </form>
    </section>
  );
}

export function billingPage(c: Context<ConsoleAppEnv>, data: BillingPageData) {
  return page(
    c,
    { title: "Billing", active: "/billing", status: data.status ?? 200 },
    <>
      {data.notice ? <p role="status">{data.notice}</p> : null}
      {data.alert ? <p role="alert">{data.alert}</p> : null}
      <Balance credits={data.credits} />
      <BuyCredits c={c} data={data} />
      <PlanSection c={c} data={data} />
      <NoticeSection c={c} data={data} />
      <Transactions credits={data.credits} />
    </>,
  );
}

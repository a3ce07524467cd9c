/** @jsxImportSource hono/jsx */
/**
 * A key's spend budget on the keys pages: the text a list row shows, and
 * the form on the key's page that sets, changes or (empty amount) removes
 * it. The form posts to /keys/<id>/budget; the change goes through the same
 * key logic as PATCH /v1/keys/{id} with `budget`.
 */
import type { Context } from "hono";
import { z } from "zod";
import type { KeyBudget, KeySpend } from "../../../billing/types";
import { BUDGET_PERIODS, type ApiKey, type BudgetPeriod } from "../../../db/schema";
import { budgetOf, budgetView, MAX_BUDGET_USD } from "../../../self-service/budget";
import { usdToNano } from "../../../billing/money";
import type { ConsoleAppEnv } from "../../env";
import { SelectField, TextField } from "../fields";
import { CsrfField } from "../layout";
import { formatUsd, parseUsd } from "../../../billing/money-text";
import { When } from "../when";

const PERIOD_LABELS: Record<BudgetPeriod, string> = { daily: "Daily", weekly: "Weekly (Monday)", monthly: "Monthly (the 1st)" };

/** "$10.00 a month, $7.50 left" or "None". */
export function BudgetText({ k, spend, now }: { k: ApiKey; spend: KeySpend | undefined; now: number }) {
  const view = budgetView(k, spend, now);
  if (!view) return <>None</>;
  const per = { daily: "a day", weekly: "a week", monthly: "a month" }[view.period];
  return (
    <>
      {formatUsd(usdToNano(view.limit_usd))} {per}, {formatUsd(usdToNano(view.remaining_usd))} left (resets <When ms={Date.parse(view.resets_at)} />)
    </>
  );
}

export interface BudgetFormValues {
  amount: string;
  period: string;
}

export const budgetFormValuesOf = (k: ApiKey): BudgetFormValues => {
  const b = budgetOf(k);
  return { amount: b ? formatUsd(b.limitNano).slice(1).replaceAll(",", "") : "", period: b?.period ?? "monthly" };
};

const budgetForm = z.object({
  amount: z.string().max(30).optional().default(""),
  period: z.enum(BUDGET_PERIODS, { message: "Choose when the budget resets." }),
});

/** The posted form → the budget to set (null: remove it), or a message for the field at fault. */
export function parseBudgetForm(raw: Record<string, unknown>): { ok: true; budget: KeyBudget | null } | { ok: false; field: "amount" | "period"; message: string } {
  const form = budgetForm.safeParse(raw);
  if (!form.success) return { ok: false, field: form.error.issues[0]?.path[0] === "amount" ? "amount" : "period", message: form.error.issues[0]?.message ?? "Invalid form." };
  if (form.data.amount.trim() === "") return { ok: true, budget: null };
  const nano = parseUsd(form.data.amount);
  if (nano === null || nano <= 0 || nano > MAX_BUDGET_USD * 1_000_000_000) {
    return { ok: false, field: "amount", message: `Enter an amount in US dollars above 0 and at most ${MAX_BUDGET_USD.toLocaleString("en-US")} (at most 9 decimals), or leave it empty for no budget.` };
  }
  return { ok: true, budget: { limitNano: nano, period: form.data.period } };
}

export function BudgetSection(props: { c: Context<ConsoleAppEnv>; k: ApiKey; spend: KeySpend | undefined; now: number; values: BudgetFormValues; error?: { field: "amount" | "period"; message: string } | undefined }) {
  const { c, k, values, error } = props;
  return (
    <section aria-labelledby="budget-title">
      <h2 id="budget-title">Budget</h2>
      <p>
        <BudgetText k={k} spend={props.spend} now={props.now} />
      </p>
      <p class="hint">
        A request that would take this key beyond its budget is refused (402 budget_exceeded) before it reaches a provider. Periods are UTC. A change applies from the next request.
      </p>
      {error ? <p role="alert">The budget was not saved: correct the field marked below.</p> : null}
      <form method="post" action={`/keys/${k.id}/budget`}>
        <CsrfField c={c} />
        <TextField id="budget-amount" name="amount" label="Budget (USD)" value={values.amount} inputmode="decimal" hint="Leave empty for no budget." error={error?.field === "amount" ? error.message : undefined} />
        <SelectField id="budget-period" name="period" label="Resets" error={error?.field === "period" ? error.message : undefined}>
          {BUDGET_PERIODS.map((p) => (
            <option value={p} selected={values.period === p}>
              {PERIOD_LABELS[p]}
            </option>
          ))}
        </SelectField>
        <button type="submit">Save budget</button>
      </form>
    </section>
  );
}

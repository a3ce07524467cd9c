/** @jsxImportSource hono/jsx */
/**
 * /keys/<id>: one key's details, the form that tightens its limits, models,
 * region or expiry (or renames it), and its Rotate (with a choice of grace
 * period) and Revoke buttons.
 */
import type { Context } from "hono";
import type { KeySpend } from "../../../billing/types";
import type { ApiKey } from "../../../db/schema";
import type { ModelEntry } from "../../../providers/types";
import type { ConsoleAppEnv } from "../../env";
import { CsrfField, page } from "../layout";
import { When } from "../when";
import { BudgetSection, budgetFormValuesOf, type BudgetFormValues } from "./budget";
import { KeyFields } from "./fields";
import { formValuesOfKey, type FieldErrors, type KeyFormValues } from "./form";
import { keyStatus, LimitsText, RotationFlag } from "./list-page";

/** Grace periods offered on rotation (seconds), the API's default first. */
export const GRACE_CHOICES = [
  { seconds: 86_400, label: "24 hours" },
  { seconds: 3_600, label: "1 hour" },
  { seconds: 604_800, label: "7 days" },
  { seconds: 0, label: "No grace: stop the old key now" },
] as const;

export interface KeyEditData {
  key: ApiKey;
  models: readonly Pick<ModelEntry, "id" | "name">[];
  now: number;
  form?: { values: KeyFormValues; errors: FieldErrors };
  /** The key's spend in its budget period, from the limiter object. */
  spend: KeySpend | undefined;
  budgetForm?: { values: BudgetFormValues; error: { field: "amount" | "period"; message: string } };
  notice?: string;
  status?: 200 | 400;
}

function Details({ k, now }: { k: ApiKey; now: number }) {
  return (
    <dl class="key-details">
      <dt>Prefix</dt>
      <dd>
        <code>{k.prefix}…</code>
      </dd>
      <dt>Status</dt>
      <dd>{keyStatus(k, now)}</dd>
      <dt>Scopes</dt>
      <dd>{k.scopes.join(", ")}</dd>
      <dt>Created</dt>
      <dd>
        <When ms={k.createdAt} />
      </dd>
      <dt>Last used</dt>
      <dd>{k.lastUsedAt === null ? "Never" : <When ms={k.lastUsedAt} />}</dd>
      <dt>Expires</dt>
      <dd>{k.expiresAt === null ? "Never" : <When ms={k.expiresAt} />}</dd>
      <dt>Limits</dt>
      <dd>
        <LimitsText k={k} />
      </dd>
      <dt>Models</dt>
      <dd>{k.allowedModels === null ? "All" : k.allowedModels.join(", ")}</dd>
      <dt>EU-hosted routes only</dt>
      <dd>{k.dataRegion === "eu" ? "Yes" : "No"}</dd>
      <dt>Rotation due</dt>
      <dd>
        <RotationFlag k={k} now={now} />
      </dd>
      {k.revokedAt !== null ? (
        <>
          <dt>Revoked</dt>
          <dd>
            <When ms={k.revokedAt} /> ({k.revokedReason})
          </dd>
        </>
      ) : null}
    </dl>
  );
}

function Actions({ c, k, now }: { c: Context<ConsoleAppEnv>; k: ApiKey; now: number }) {
  const rotatable = keyStatus(k, now) === "Active";
  return (
    <>
      {rotatable ? (
        <section aria-labelledby="rotate-title">
          <h2 id="rotate-title">Rotate</h2>
          <p>Rotation makes a new key with the same settings; the old key keeps working for the grace period, then stops.</p>
          <form method="post" action={`/keys/${k.id}/rotate`}>
            <CsrfField c={c} />
            <label for="rotate-grace">Old key keeps working for</label>
            <select id="rotate-grace" name="grace">
              {GRACE_CHOICES.map((g) => (
                <option value={String(g.seconds)}>{g.label}</option>
              ))}
            </select>
            <button type="submit">Rotate</button>
          </form>
        </section>
      ) : null}
      {k.status === "active" ? (
        <section aria-labelledby="revoke-title">
          <h2 id="revoke-title">Revoke</h2>
          <p>A revoked key is refused at once, everywhere. This cannot be undone.</p>
          <form method="post" action={`/keys/${k.id}/revoke`}>
            <CsrfField c={c} />
            <button type="submit">Revoke</button>
          </form>
        </section>
      ) : null}
    </>
  );
}

export function keyEditPage(c: Context<ConsoleAppEnv>, data: KeyEditData) {
  const { key: k, now } = data;
  const form = data.form ?? { values: formValuesOfKey(k), errors: {} };
  return page(
    c,
    { title: `Key “${k.name || k.prefix}”`, active: "/keys", status: data.status ?? 200 },
    <>
      <p>
        <a href="/keys">All keys</a>
      </p>
      {data.notice ? <p role="status">{data.notice}</p> : null}
      <section aria-labelledby="details-title">
        <h2 id="details-title">Details</h2>
        <Details k={k} now={now} />
      </section>
      {k.status === "active" ? (
        <section aria-labelledby="edit-title">
          <h2 id="edit-title">Change this key</h2>
          {Object.keys(form.errors).length > 0 ? <p role="alert">Nothing was changed: correct the fields marked below.</p> : null}
          <form method="post" action={`/keys/${k.id}`}>
            <CsrfField c={c} />
            <KeyFields
              id="edit"
              values={form.values}
              errors={form.errors}
              models={data.models}
              withScope={false}
              note={<p class="hint">An existing key can only be made stricter: lower limits, fewer models, EU-only, an earlier expiry. For a looser key, create a new one.</p>}
            />
            <button type="submit">Save changes</button>
          </form>
        </section>
      ) : (
        <p>This key is revoked; it cannot be changed.</p>
      )}
      {k.status === "active" ? (
        <BudgetSection c={c} k={k} spend={data.spend} now={now} values={data.budgetForm?.values ?? budgetFormValuesOf(k)} error={data.budgetForm?.error} />
      ) : null}
      <Actions c={c} k={k} now={now} />
    </>,
  );
}

/** @jsxImportSource hono/jsx */
/**
 * /keys: a key just made (shown once), the create form, and the table of
 * the account's keys with each key's limits, models, region, expiry and the
 * 90-day rotation reminder, plus per-row Rotate and Revoke buttons.
 */
import type { Context } from "hono";
import type { KeySpend } from "../../../billing/types";
import type { ApiKey } from "../../../db/schema";
import type { ModelEntry } from "../../../providers/types";
import { isRotationDue, rotationDueAt } from "../../../shared/key-rotation";
import type { ConsoleAppEnv } from "../../env";
import { CsrfField, page } from "../layout";
import { When } from "../when";
import { BudgetText } from "./budget";
import { KeyFields } from "./fields";
import { EMPTY_FORM, type FieldErrors, type KeyFormValues } from "./form";

/** A key in clear, shown on the answer to the POST that made it and never again. */
export interface ShownKey {
  key: string;
  record: ApiKey;
  /** Set when the key replaced another by rotation: the old key and when it stops. */
  rotated?: { old: ApiKey; stopsAt: number };
}

export interface KeysListData {
  keys: readonly ApiKey[];
  /** Each key's spend in its budget period (the limiter object's CreditState.keySpend). */
  spend: Readonly<Record<string, KeySpend>>;
  models: readonly Pick<ModelEntry, "id" | "name">[];
  apiBaseUrl: string;
  now: number;
  shown?: ShownKey;
  form?: { values: KeyFormValues; errors: FieldErrors };
  /** A line about what the last action did (after its redirect). */
  notice?: string;
  status?: 200 | 400;
}

export function keyStatus(k: ApiKey, now: number) {
  if (k.status === "revoked") return "Revoked";
  if (k.expiresAt !== null && k.expiresAt <= now) return "Expired";
  if (k.replacedBy !== null) return "Rotated out";
  return "Active";
}

export function LimitsText({ k }: { k: ApiKey }) {
  const parts = [
    k.rpmLimit === null ? null : `${k.rpmLimit} requests/min`,
    k.tpmLimit === null ? null : `${k.tpmLimit} tokens/min`,
    k.concurrencyLimit === null ? null : `${k.concurrencyLimit} at once`,
  ].filter(Boolean);
  return <>{parts.length > 0 ? parts.join(", ") : "Tier limits"}</>;
}

export function RotationFlag({ k, now }: { k: ApiKey; now: number }) {
  return isRotationDue(k, now) ? (
    <strong class="rotation-due">
      Rotation due since <When ms={rotationDueAt(k.createdAt)} />
    </strong>
  ) : (
    <>No</>
  );
}

function NewKey({ shown, apiBaseUrl }: { shown: ShownKey; apiBaseUrl: string }) {
  return (
    <section class="new-key" aria-labelledby="new-key-title">
      <h2 id="new-key-title">{shown.rotated ? `Key “${shown.record.name}” rotated` : `Key “${shown.record.name}” created`}</h2>
      <p>Copy the key now: this is the only time it is shown. Store it like a password.</p>
      <p>
        <code id="new-key" data-testid="new-key">
          {shown.key}
        </code>{" "}
        <button type="button" data-copy="new-key" hidden>
          Copy
        </button>
      </p>
      {shown.rotated ? (
        <p>
          {shown.rotated.stopsAt <= Date.now() ? (
            <>The old key ({shown.rotated.old.prefix}…) has stopped working.</>
          ) : (
            <>
              The old key ({shown.rotated.old.prefix}…) keeps working until <When ms={shown.rotated.stopsAt} />, then stops.
            </>
          )}
        </p>
      ) : null}
      <p>
        Send it as <code>Authorization: Bearer &lt;key&gt;</code> to <code>{apiBaseUrl}</code>.
      </p>
    </section>
  );
}

function KeyRow({ c, k, now, spend }: { c: Context<ConsoleAppEnv>; k: ApiKey; now: number; spend: KeySpend | undefined }) {
  const status = keyStatus(k, now);
  return (
    <tr>
      <th scope="row">
        <a href={`/keys/${k.id}`}>{k.name || "(no name)"}</a>
      </th>
      <td>
        <code>{k.prefix}…</code>
      </td>
      <td>{k.scopes.join(", ")}</td>
      <td>{status === "Rotated out" ? <>Rotated out, stops <When ms={k.expiresAt} /></> : status}</td>
      <td>
        <When ms={k.createdAt} />
      </td>
      <td>{k.lastUsedAt === null ? "Never" : <When ms={k.lastUsedAt} />}</td>
      <td>{k.expiresAt === null ? "Never" : <When ms={k.expiresAt} />}</td>
      <td>
        <LimitsText k={k} />
      </td>
      <td>{k.allowedModels === null ? "All" : k.allowedModels.join(", ")}</td>
      <td>{k.dataRegion === "eu" ? "Yes" : "No"}</td>
      <td>
        <BudgetText k={k} spend={spend} now={now} />
      </td>
      <td>
        <RotationFlag k={k} now={now} />
      </td>
      <td class="actions">
        {status === "Active" ? (
          <form method="post" action={`/keys/${k.id}/rotate`}>
            <CsrfField c={c} />
            <button type="submit">Rotate</button>
          </form>
        ) : null}
        {k.status === "active" ? (
          <form method="post" action={`/keys/${k.id}/revoke`}>
            <CsrfField c={c} />
            <button type="submit" class="danger">
              Revoke
            </button>
          </form>
        ) : null}
      </td>
    </tr>
  );
}

export function keysListPage(c: Context<ConsoleAppEnv>, data: KeysListData) {
  const { keys, now } = data;
  const form = data.form ?? { values: EMPTY_FORM, errors: {} };
  return page(
    c,
    { title: "API keys", active: "/keys", scripts: ["/assets/copy.js"], status: data.status ?? 200 },
    <>
      {data.notice ? <p role="status">{data.notice}</p> : null}
      {data.shown ? <NewKey shown={data.shown} apiBaseUrl={data.apiBaseUrl} /> : null}
      <section aria-labelledby="keys-title">
        <h2 id="keys-title">Your keys</h2>
        {keys.length === 0 ? (
          <p>No keys yet.</p>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  {["Name", "Prefix", "Scopes", "Status", "Created", "Last used", "Expires", "Limits", "Models", "EU-only", "Budget", "Rotation due", "Actions"].map((h) => (
                    <th scope="col">{h}</th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {keys.map((k) => (
                  <KeyRow c={c} k={k} now={now} spend={data.spend[k.id]} />
                ))}
              </tbody>
            </table>
          </div>
        )}
        <p class="hint">Keys should be rotated every 90 days (acceptable use policy); API responses to a due key carry the header x-emby-key-rotation-due.</p>
      </section>
      <section aria-labelledby="create-title">
        <h2 id="create-title">Create a key</h2>
        {Object.keys(form.errors).length > 0 ? <p role="alert">The key was not created: correct the fields marked below.</p> : null}
        <form method="post" action="/keys">
          <CsrfField c={c} />
          <KeyFields id="create" values={form.values} errors={form.errors} models={data.models} withScope />
          <button type="submit">Create key</button>
        </form>
      </section>
    </>,
  );
}

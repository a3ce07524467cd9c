/** @jsxImportSource hono/jsx */
/**
 * The fields of the key form, shared by "Create a key" and a key's edit
 * page: each with its label, its hint, and the message of a rejected value
 * next to it (linked by aria-describedby).
 */
import type { Child } from "hono/jsx";
import type { ModelEntry } from "../../../providers/types";
import { CheckboxField, FieldError, TextField } from "../fields";
import type { FieldErrors, KeyField, KeyFormValues } from "./form";

/** A key form's text input: ids `<form id>-<field>`, its error from the form's errors. */
function KeyText(props: { id: string; field: KeyField; label: string; hint?: string; value: string; errors: FieldErrors; type?: "text" | "date"; required?: boolean; inputmode?: "numeric" }) {
  const { id, field, errors, ...rest } = props;
  return <TextField {...rest} id={`${id}-${field}`} name={field} error={errors[field]} />;
}

function KeyCheckbox(props: { id: string; field: KeyField; label: string; checked: boolean; errors: FieldErrors; hint?: string }) {
  const { id, field, errors, ...rest } = props;
  return <CheckboxField {...rest} id={`${id}-${field}`} name={field} error={errors[field]} />;
}

export interface KeyFieldsProps {
  /** Prefix of the inputs' ids, unique on the page. */
  id: string;
  values: KeyFormValues;
  errors: FieldErrors;
  models: readonly Pick<ModelEntry, "id" | "name">[];
  /** Create only: the scope choice (a key's scopes cannot change). */
  withScope: boolean;
  /** Shown above the limits, e.g. that an edit can only tighten them. */
  note?: Child;
}

export function KeyFields({ id, values, errors, models, withScope, note }: KeyFieldsProps) {
  const limitHint = "Empty: your tier's limit. A key's limit never lifts the tier's.";
  return (
    <>
      <KeyText id={id} field="name" label="Name" value={values.name} errors={errors} required hint="Where the key is used, e.g. “ci” or “billing service”." />
      {note}
      <fieldset>
        <legend>Limits (optional)</legend>
        <KeyText id={id} field="rpm" label="Requests per minute" value={values.rpm} errors={errors} inputmode="numeric" hint={limitHint} />
        <KeyText id={id} field="tpm" label="Tokens per minute" value={values.tpm} errors={errors} inputmode="numeric" />
        <KeyText id={id} field="concurrency" label="Concurrent requests" value={values.concurrency} errors={errors} inputmode="numeric" />
      </fieldset>
      {/* Collapsed unless in use: most keys may use every model, and the list is long. */}
      <details class="model-picker" open={values.models.length > 0 || errors.models !== undefined}>
        <summary>Models this key may use: {values.models.length > 0 ? `${values.models.length} chosen` : "all"}</summary>
      <fieldset aria-describedby={errors.models ? `${id}-models-error` : undefined}>
        <legend>Models this key may use</legend>
        <p class="hint">Tick none for every model of the catalogue.</p>
        <ul class="model-choices">
          {models.map((m, i) => (
            <li>
              <input id={`${id}-model-${i}`} type="checkbox" name="models" value={m.id} checked={values.models.includes(m.id)} />
              <label for={`${id}-model-${i}`}>
                {m.name} <code>{m.id}</code>
              </label>
            </li>
          ))}
        </ul>
        <FieldError id={`${id}-models`} error={errors.models} />
      </fieldset>
      </details>
      <KeyCheckbox id={id} field="eu_only" label="EU-hosted routes only" checked={values.euOnly} errors={errors} hint="Requests with this key run in the EU only, whatever your account consented to." />
      <KeyText id={id} field="expires" type="date" label="Expires after (optional)" value={values.expires} errors={errors} hint="The key stops working at the end of this day (UTC). Empty: never." />
      {withScope ? (
        <KeyCheckbox id={id} field="manage" label="Can also manage keys and the account (scope “manage”)" checked={values.manage} errors={errors} hint="Leave it unticked for a key that only makes model requests." />
      ) : null}
    </>
  );
}

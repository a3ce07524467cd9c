/** @jsxImportSource hono/jsx */
/** "Your details": the summary atop the privacy page, and the form of /privacy/details. */
import type { Context } from "hono";
import type { Account } from "../../db/schema";
import { ISO_COUNTRY_CODES } from "../../shared/countries";
import type { ConsoleAppEnv } from "../env";
import { SelectField, TextField } from "./fields";
import { CsrfField } from "./layout";

type C = Context<ConsoleAppEnv>;

/** The form's fields, as posted (strings; empty when left blank). */
export const DETAIL_FIELDS = ["name", "company", "line1", "line2", "city", "postal_code", "country", "email"] as const;
export type DetailField = (typeof DETAIL_FIELDS)[number];
export type DetailValues = Record<DetailField, string>;
export type DetailErrors = Partial<Record<DetailField, string>>;

/** The form filled with what the account holds. */
export function detailValues(account: Account): DetailValues {
  const address = account.billingAddress ?? {};
  return {
    name: account.name,
    company: account.company ?? "",
    line1: address.line1 ?? "",
    line2: address.line2 ?? "",
    city: address.city ?? "",
    postal_code: address.postal_code ?? "",
    country: address.country ?? "",
    email: account.email,
  };
}

const countryNames = new Intl.DisplayNames(["en"], { type: "region" });

/** Top of /privacy: who the account is, with the way to correct it. */
export function DetailsSummary({ account }: { account: Account }) {
  return (
    <section aria-labelledby="details-title" id="details">
      <h2 id="details-title">Your details</h2>
      <p>
        {account.name}
        {account.company ? `, ${account.company}` : ""} · {account.email}
      </p>
      {account.pendingEmail ? <p>Your new address {account.pendingEmail} is waiting for confirmation.</p> : null}
      <p>
        <a href="/privacy/details">Correct your details</a> (name, company, billing address, email).
      </p>
    </section>
  );
}

interface InputProps {
  field: DetailField;
  label: string;
  values: DetailValues;
  errors: DetailErrors;
  type?: "text" | "email";
  autocomplete: string;
  maxlength: number;
  required?: boolean;
}

function Input({ field, values, errors, ...rest }: InputProps) {
  return <TextField {...rest} id={`details-${field}`} name={field} value={values[field]} error={errors[field]} />;
}

function CountrySelect({ values, errors }: { values: DetailValues; errors: DetailErrors }) {
  return (
    <SelectField id="details-country" name="country" label="Country" autocomplete="country" error={errors.country}>
      <option value="">(none)</option>
      {ISO_COUNTRY_CODES.map((code) => (
        <option value={code} selected={values.country === code}>
          {`${countryNames.of(code) ?? code} (${code})`}
        </option>
      ))}
    </SelectField>
  );
}

export function DetailsForm({ c, values, errors }: { c: C; values: DetailValues; errors: DetailErrors }) {
  const props = { values, errors };
  return (
    <form method="post" action="/privacy/details" class="form">
      <CsrfField c={c} />
      <Input field="name" label="Name" autocomplete="name" maxlength={200} required {...props} />
      <Input field="company" label="Company" autocomplete="organization" maxlength={200} {...props} />
      <fieldset>
        <legend>Billing address</legend>
        <Input field="line1" label="Address line 1" autocomplete="address-line1" maxlength={200} {...props} />
        <Input field="line2" label="Address line 2" autocomplete="address-line2" maxlength={200} {...props} />
        <Input field="city" label="City" autocomplete="address-level2" maxlength={100} {...props} />
        <Input field="postal_code" label="Postal code" autocomplete="postal-code" maxlength={20} {...props} />
        <CountrySelect {...props} />
      </fieldset>
      <Input field="email" label="Email" type="email" autocomplete="email" maxlength={254} required {...props} />
      <p>A new email address takes effect once you follow the link we mail to it; your current address is told of the change.</p>
      <button type="submit">Save your details</button>
    </form>
  );
}

/** The address waiting for confirmation, with a new link or a way back. */
export function PendingEmail({ c, account }: { c: C; account: Account }) {
  if (!account.pendingEmail) return null;
  return (
    <section aria-labelledby="pending-title" id="pending">
      <h2 id="pending-title">Email change waiting for confirmation</h2>
      <p>
        Your new address <strong>{account.pendingEmail}</strong> takes effect once you follow the link mailed to it. Until
        then, {account.email} stays in use.
      </p>
      <form method="post" action="/privacy/details/resend">
        <CsrfField c={c} />
        <button type="submit">Send the confirmation link again</button>
      </form>
      <form method="post" action="/privacy/details/cancel-email">
        <CsrfField c={c} />
        <button type="submit">Cancel the change</button>
      </form>
    </section>
  );
}

/** @jsxImportSource hono/jsx */
/** The "Privacy and data" page's sections (routes/privacy.tsx renders them). */
import type { Context } from "hono";
import type { Account, consents } from "../../db/schema";
import { RESTRICTED_LOG_FIELDS } from "../../shared/log-event";
import type { TransferScope } from "../../self-service/transfer-scope";
import type { ConsoleAppEnv } from "../env";
import { CsrfField } from "./layout";

type ConsentRow = typeof consents.$inferSelect;

const KIND_LABELS: Record<ConsentRow["kind"], string> = { non_eu_transfer: "Transfer outside the EU", product_updates: "Product updates" };
const REGION_LABELS = { us: "United States", global: "anywhere the provider operates" } as const;
const LOG_FIELD_LABELS: Record<(typeof RESTRICTED_LOG_FIELDS)[number], string> = {
  ip: "your IP address",
  user_agent: "your client's user agent",
  edge_location: "the Cloudflare location that received the request",
};

/** A time as people read it, in UTC (the page has no idea of the reader's zone without JavaScript). */
export function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** Who recorded a consent row, in words. */
function sourceLabel(source: string): string {
  if (source.startsWith("session:")) return "You, in the console";
  if (source.startsWith("key:")) return `You, with API key ${source.slice(4)}`;
  if (source === "admin") return "The operator";
  return source;
}

export interface PrivacyState {
  account: Account;
  nonEu: { granted: boolean; recordedAt: number } | null;
  productUpdates: { granted: boolean; recordedAt: number } | null;
  history: ConsentRow[];
  scope: TransferScope;
}

export function ConsentSection({ c, state }: { c: Context<ConsoleAppEnv>; state: PrivacyState }) {
  const granted = state.nonEu?.granted ?? false;
  const { scope } = state;
  return (
    <section aria-labelledby="consent-title" id="consent">
      <h2 id="consent-title">Transfer outside the EU</h2>
      <p>
        {granted
          ? `You consented to processing outside the EU on ${when(state.nonEu!.recordedAt)}.`
          : "You have not consented to processing outside the EU: only EU-hosted routes serve your requests."}
      </p>
      <p>
        With your consent, the router may also send your requests to these providers, which process them outside the EU:{" "}
        {scope.endpoints.map((e) => `${e.label} (${REGION_LABELS[e.region]})`).join(", ")}. That makes{" "}
        {scope.nonEuOnlyModels.length} models available that have no EU route ({scope.nonEuOnlyModels.join(", ")}), and
        gives {scope.moreRoutesModels.length} more models a route outside the EU to choose or fall back to. Without it,
        those models answer 403 and EU-hosted models keep working. You can withdraw at any time; it takes effect on your
        next request.
      </p>
      <form method="post" action="/privacy/consent">
        <CsrfField c={c} />
        <input type="hidden" name="non_eu_transfer" value={granted ? "withdraw" : "grant"} />
        <button type="submit">{granted ? "Withdraw consent" : "Consent to transfer outside the EU"}</button>
      </form>
      <h3>Consent history</h3>
      {state.history.length === 0 ? (
        <p>No decision recorded yet.</p>
      ) : (
        <table data-testid="consent-history">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Consent to</th>
              <th scope="col">Decision</th>
              <th scope="col">Recorded by</th>
            </tr>
          </thead>
          <tbody>
            {state.history.map((row) => (
              <tr>
                <th scope="row">{when(row.recordedAt)}</th>
                <td>{KIND_LABELS[row.kind]}</td>
                <td>{row.granted ? "Granted" : "Withdrawn"}</td>
                <td>{sourceLabel(row.source)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function RestrictionSection({ c, account }: { c: Context<ConsoleAppEnv>; account: Account }) {
  const restricted = account.restrictedAt !== null;
  return (
    <section aria-labelledby="restriction-title" id="restriction">
      <h2 id="restriction-title">Restriction of processing</h2>
      <p>{restricted ? `Processing is restricted since ${when(account.restrictedAt!)}.` : "Processing is not restricted."}</p>
      <p>
        While restricted, the request logs leave out {RESTRICTED_LOG_FIELDS.map((f) => LOG_FIELD_LABELS[f]).join(", ")}. Your
        requests are still served, and what billing, limits and security need (account, key, model, tokens, cost,
        status) is still recorded.
      </p>
      <form method="post" action="/privacy/restriction">
        <CsrfField c={c} />
        <input type="hidden" name="restricted" value={restricted ? "off" : "on"} />
        <button type="submit">{restricted ? "Lift the restriction" : "Restrict processing"}</button>
      </form>
    </section>
  );
}

export function CommunicationSection({ c, state }: { c: Context<ConsoleAppEnv>; state: PrivacyState }) {
  const on = state.productUpdates?.granted ?? false;
  return (
    <section aria-labelledby="updates-title" id="updates">
      <h2 id="updates-title">Product updates</h2>
      <p>
        {on ? "You receive product updates by email." : "You do not receive product updates."} Service notices (security,
        billing, changes to the terms) are part of the service and always sent.
      </p>
      <form method="post" action="/privacy/communication">
        <CsrfField c={c} />
        <input type="hidden" name="product_updates" value={on ? "off" : "on"} />
        <button type="submit">{on ? "Stop product updates" : "Send me product updates"}</button>
      </form>
    </section>
  );
}

export function ExportSection() {
  return (
    <section aria-labelledby="export-title" id="export">
      <h2 id="export-title">Your data</h2>
      <p>
        Everything stored about your account: the account, keys (never the keys themselves), consents, the audit log, 30
        days of request logs (metadata only) and billing records. The JSON file is one document; the CSV download is a zip
        with one file per list.
      </p>
      <ul>
        <li>
          <a href="/privacy/export?format=json" download>
            Download export (JSON)
          </a>
        </li>
        <li>
          <a href="/privacy/export?format=csv" download>
            Download export (CSV)
          </a>
        </li>
      </ul>
    </section>
  );
}

export function AccountEndSection() {
  return (
    <section aria-labelledby="end-title" id="end">
      <h2 id="end-title">Close or erase your account</h2>
      <p>
        Closing stops every key at once and deletes your data 90 days later. Erasing deletes it now. Both ask you to
        confirm on the next page.
      </p>
      <form method="get" action="/privacy/close">
        <button type="submit">Close my account</button>
      </form>
      <form method="get" action="/privacy/erase">
        <button type="submit">Erase my account now</button>
      </form>
    </section>
  );
}

/** @jsxImportSource hono/jsx */
/**
 * /models: the catalogue in force (the one /v1/models lists, read through
 * the same store), each model with its routes in the order they are tried,
 * their data regions and prices, and whether this account's requests may
 * take each route: an account without non-EU transfer consent uses EU-hosted
 * routes only. Prices are the customer's, as /v1/models shows them: the
 * provider's price plus the service fee (src/billing/price.ts).
 * docs/console-keys.md.
 */
import type { Context } from "hono";
import { Hono } from "hono";
import { customerPricing, markupBps, type MarkupBps } from "../../billing/price";
import { currentConsent } from "../../db/accounts";
import { coreDb } from "../../db/client";
import type { DataRegion, ModelEntry, Route } from "../../providers/types";
import { currentCatalogue } from "../../routing/catalogue-store";
import type { ConsoleAppEnv } from "../env";
import { signedIn } from "../middleware/session";
import { page } from "../pages/layout";

const REGION_LABELS: Record<DataRegion, string> = { eu: "EU", us: "United States", global: "Global (any country)" };

const usd = (n: number) => `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 4 })}`;

function Prices({ route, embedding, bps }: { route: Route; embedding: boolean; bps: MarkupBps }) {
  const pricing = customerPricing(route.pricing, bps);
  const long = pricing.longContext;
  return (
    <>
      <td>{usd(pricing.prompt)}</td>
      <td>
        {embedding ? "—" : usd(pricing.completion)}
        {long ? <span class="hint"> (prompts over {long.aboveTokens.toLocaleString("en-US")} tokens: {usd(long.prompt)} in, {usd(long.completion)} out)</span> : null}
      </td>
    </>
  );
}

function ModelRows({ model, consent, bps }: { model: ModelEntry; consent: boolean; bps: MarkupBps }) {
  const embedding = model.embedding !== undefined;
  return (
    <tbody>
      {model.routes.map((route, i) => {
        const usable = route.region === "eu" || consent;
        return (
          <tr data-model={model.id} data-endpoint={route.endpoint}>
            {i === 0 ? (
              <th scope="rowgroup" rowspan={model.routes.length}>
                {model.name}
                <br />
                <code>{model.id}</code>
                <br />
                <span class="hint">
                  {embedding ? "Embeddings" : "Chat"}, {model.contextLength.toLocaleString("en-US")} tokens of context
                </span>
              </th>
            ) : null}
            <td>
              <code>{route.endpoint}</code>
            </td>
            <td>{REGION_LABELS[route.region]}</td>
            <Prices route={route} embedding={embedding} bps={bps} />
            <td>{usable ? "Yes" : "No: needs consent to processing outside the EU"}</td>
          </tr>
        );
      })}
    </tbody>
  );
}

async function modelsPage(c: Context<ConsoleAppEnv>) {
  const session = signedIn(c);
  const [catalogue, consent] = await Promise.all([
    currentCatalogue(c.env, (p) => c.executionCtx.waitUntil(p)),
    currentConsent(coreDb(c.env.DB), session.accountId, "non_eu_transfer"),
  ]);
  const nonEu = consent?.granted === true;
  const bps = markupBps(c.env);
  return page(
    c,
    { title: "Models", active: "/models" },
    <>
      <p>
        Every model you can name in a request, with the routes that serve it in the order they are tried. Prices are in US
        dollars per million tokens and include the service fee: they are what your requests cost.
      </p>
      <p role="note">
        {nonEu ? (
          <>Your account consents to processing outside the EU: every route may serve your requests.</>
        ) : (
          <>
            Your account has not consented to processing outside the EU, so only EU-hosted routes serve your requests. You
            can change this under <a href="/privacy">Privacy and data</a>.
          </>
        )}{" "}
        A key marked EU-only uses EU-hosted routes whatever the account consented to.
      </p>
      <div class="table-scroll">
        <table>
          <caption>Models and their routes{catalogue.version > 0 ? ` (catalogue version ${catalogue.version})` : ""}</caption>
          <thead>
            <tr>
              {["Model", "Route", "Data region", "Input per 1M tokens", "Output per 1M tokens", "Usable by your account"].map((h) => (
                <th scope="col">{h}</th>
              ))}
            </tr>
          </thead>
          {catalogue.models.map((model) => (
            <ModelRows model={model} consent={nonEu} bps={bps} />
          ))}
        </table>
      </div>
    </>,
  );
}

export const modelsPages = new Hono<ConsoleAppEnv>().get("/", modelsPage);

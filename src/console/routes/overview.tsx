/** @jsxImportSource hono/jsx */
/**
 * The overview (GET /): the account's requests, tokens and cost per day and
 * per model over a period, from the billing ledger. Tables carry every
 * number (and are the page without JavaScript); /assets/charts.js draws the
 * charts from the JSON in #usage-data.
 */
import { Hono } from "hono";
import { z } from "zod";
import { billingDb } from "../../db/client";
import { hasUsage } from "../../db/usage-ledger";
import { utcDay } from "../../shared/retention";
import { lastDays, usageReport } from "../../self-service/usage";
import { signedIn } from "../middleware/session";
import type { ConsoleAppEnv } from "../env";
import { page } from "../pages/layout";
import { formatCount, formatUsd } from "../pages/metrics-format";
import { byDay, byModel, scriptJson, usageSeries, type Group } from "../pages/usage-summary";

const PERIODS = ["7", "30", "90"] as const;
const periodQuery = z.object({ days: z.enum(PERIODS).default("30") });

function PeriodForm({ days }: { days: string }) {
  return (
    <form method="get" action="/" class="filters">
      <label for="period">Period</label>
      <select id="period" name="days">
        {PERIODS.map((d) => (
          <option value={d} selected={d === days}>{`Last ${d} days`}</option>
        ))}
      </select>
      <button type="submit">Show</button>
    </form>
  );
}

function Totals({ total }: { total: Group["total"] }) {
  return (
    <table data-testid="totals">
      <caption>Totals for the period</caption>
      <tbody>
        <tr>
          <th scope="row">Requests</th>
          <td class="num">{formatCount(total.requests)}</td>
        </tr>
        <tr>
          <th scope="row">Tokens</th>
          <td class="num">
            {formatCount(total.promptTokens + total.completionTokens)}{" "}
            <span class="muted">{`(${formatCount(total.promptTokens)} input, ${formatCount(total.completionTokens)} output)`}</span>
          </td>
        </tr>
        <tr>
          <th scope="row">Cost</th>
          <td class="num">{formatUsd(total.costNanoUsd)}</td>
        </tr>
      </tbody>
    </table>
  );
}

/** A table of groups (models or days): requests, input and output tokens, cost. */
function GroupTable({ groups, keyLabel, caption, testId }: { groups: Group[]; keyLabel: string; caption: string; testId: string }) {
  return (
    <table data-testid={testId}>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{keyLabel}</th>
          <th scope="col">Requests</th>
          <th scope="col">Input tokens</th>
          <th scope="col">Output tokens</th>
          <th scope="col">Cost</th>
        </tr>
      </thead>
      <tbody>
        {groups.map((g) => (
          <tr>
            <th scope="row">{g.key}</th>
            <td class="num">{formatCount(g.total.requests)}</td>
            <td class="num">{formatCount(g.total.promptTokens)}</td>
            <td class="num">{formatCount(g.total.completionTokens)}</td>
            <td class="num">{formatUsd(g.total.costNanoUsd)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const CHARTS = [
  { id: "requests", caption: "Requests per day, by model" },
  { id: "tokens", caption: "Tokens (input and output) per day, by model" },
  { id: "cost_usd", caption: "Cost per day in USD, by model" },
] as const;

/** The charts' frames; hidden until charts.js fills them (without JavaScript the tables say it all). */
function Charts({ from, to }: { from: string; to: string }) {
  return (
    <section aria-labelledby="charts-title" class="charts" data-charts hidden>
      <h2 id="charts-title">Charts</h2>
      {CHARTS.map((chart) => (
        <figure data-chart={chart.id} aria-label={`${chart.caption}, ${from} to ${to}`}>
          <figcaption>{chart.caption}</figcaption>
        </figure>
      ))}
    </section>
  );
}

function GettingStarted({ apiBaseUrl }: { apiBaseUrl: string }) {
  return (
    <section aria-labelledby="getting-started-title" class="getting-started">
      <h2 id="getting-started-title">Getting started</h2>
      <ol>
        <li>
          Create a key on the <a href="/keys">API keys</a> page.
        </li>
        <li>
          Point any OpenAI-compatible client at <code>{apiBaseUrl}</code> with that key.
        </li>
        <li>Send a request, for example:</li>
      </ol>
      <pre>
        <code>{`curl ${apiBaseUrl}/chat/completions \\
  -H "Authorization: Bearer $EMBY_API_KEY" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "mistral/mistral-small-latest", "messages": [{"role": "user", "content": "Hello"}]}'`}</code>
      </pre>
      <p>Its usage shows here within a minute.</p>
    </section>
  );
}

export const overviewPages = new Hono<ConsoleAppEnv>().get("/", async (c) => {
  const accountId = signedIn(c).accountId;
  const parsed = periodQuery.safeParse(c.req.query());
  const days = parsed.success ? parsed.data.days : "30";
  const db = billingDb(c.env.BILLING_DB);
  const report = await usageReport(db, accountId, lastDays(utcDay(Date.now()), Number(days)));
  const models = byModel(report);
  const daysWithUsage = byDay(report).reverse();
  const newcomer = report.rows.length === 0 && !(await hasUsage(db, accountId));
  return page(
    c,
    {
      title: "Overview",
      active: "/",
      status: parsed.success ? 200 : 400,
      scripts: ["/assets/vendor/uplot.iife.min.js", "/assets/charts.js"],
      styles: ["/assets/vendor/uplot.min.css", "/assets/usage.css"],
    },
    <>
      {parsed.success ? null : <p role="alert">Choose a period of 7, 30 or 90 days; showing the last 30 days.</p>}
      {newcomer ? <GettingStarted apiBaseUrl={c.env.API_BASE_URL} /> : null}
      <PeriodForm days={days} />
      <p>
        Usage from <time datetime={report.startDate}>{report.startDate}</time> to <time datetime={report.endDate}>{report.endDate}</time> (UTC days).
        Only requests sent to a model provider count; the request logs list every request.
      </p>
      <Totals total={report.total} />
      <Charts from={report.startDate} to={report.endDate} />
      <section aria-labelledby="models-title">
        <h2 id="models-title">By model</h2>
        {models.length > 0 ? <GroupTable groups={models} keyLabel="Model" caption="Usage per model" testId="per-model" /> : <p>No usage in this period.</p>}
      </section>
      {daysWithUsage.length > 0 ? (
        <details>
          <summary>Usage per day</summary>
          <GroupTable groups={daysWithUsage} keyLabel="Day (UTC)" caption="Usage per day, newest first" testId="per-day" />
        </details>
      ) : null}
      <script type="application/json" id="usage-data" dangerouslySetInnerHTML={{ __html: scriptJson(usageSeries(report)) }}></script>
    </>,
  );
});

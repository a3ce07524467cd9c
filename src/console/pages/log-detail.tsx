/** @jsxImportSource hono/jsx */
/**
 * One request's metadata, as GET /v1/generation gives it: route, region,
 * attempts, status, tokens, cost and timings. The logs hold no prompt or
 * response content, so there is none to show.
 */
import type { Child } from "hono/jsx";
import type { RequestLog } from "../../db/logs-schema";
import type { ApiKey } from "../../db/schema";
import { keyLabel } from "./log-list";
import { formatCount, formatMs, formatUsd, Time } from "./metrics-format";

const REGIONS: Record<NonNullable<RequestLog["dataRegion"]>, string> = { eu: "EU", us: "United States", global: "Global (outside the EU possible)" };

function Row({ label, children }: { label: string; children: Child }) {
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>{children}</td>
    </tr>
  );
}

function Attempts({ log }: { log: RequestLog }) {
  if (!log.attemptLog) return <p>{`${log.attempts} upstream call(s); this request was logged without their details.`}</p>;
  if (log.attemptLog.length === 0) return <p>The router answered without calling a provider.</p>;
  return (
    <table data-testid="attempts">
      <caption>Upstream calls, in the order made</caption>
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Route</th>
          <th scope="col">Upstream model</th>
          <th scope="col">Outcome</th>
          <th scope="col">Status</th>
          <th scope="col">Latency</th>
        </tr>
      </thead>
      <tbody>
        {log.attemptLog.map((a, i) => (
          <tr>
            <th scope="row">{String(i + 1)}</th>
            <td>{a.route}</td>
            <td>{a.upstream_model}</td>
            <td>{a.code}</td>
            <td>{a.status === null ? "no response" : String(a.status)}</td>
            <td class="num">{formatMs(a.latency_ms)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function LogDetail({ log, apiKey }: { log: RequestLog; apiKey: ApiKey | undefined }) {
  return (
    <>
      <p>
        <a href="/logs">Back to the request logs</a>
      </p>
      <section aria-labelledby="request-title">
        <h2 id="request-title">Request</h2>
        <table data-testid="request">
          <tbody>
            <Row label="Request id"><code>{log.requestId}</code></Row>
            <Row label="Endpoint">{`${log.method} ${log.endpoint}`}</Row>
            <Row label="Model">{log.model ?? "—"}</Row>
            <Row label="Key">{keyLabel(apiKey, log.keyId)}</Row>
            <Row label="Status">{log.errorCode ? `${log.status} ${log.errorCode}` : String(log.status)}</Row>
            <Row label="Streamed">{log.streamed ? "yes" : "no"}</Row>
            <Row label="Cancelled by the client">{log.clientAborted ? "yes" : "no"}</Row>
          </tbody>
        </table>
      </section>
      <section aria-labelledby="routing-title">
        <h2 id="routing-title">Routing</h2>
        <table data-testid="routing">
          <tbody>
            <Row label="Route">{log.route ?? "none answered"}</Row>
            <Row label="Data region">{log.dataRegion ? REGIONS[log.dataRegion] : "—"}</Row>
            <Row label="Upstream model">{log.upstreamModel ?? "—"}</Row>
            <Row label="Attempts">{String(log.attempts)}</Row>
          </tbody>
        </table>
        <Attempts log={log} />
      </section>
      <section aria-labelledby="usage-title">
        <h2 id="usage-title">Tokens and cost</h2>
        <table data-testid="usage">
          <tbody>
            <Row label="Input tokens">{formatCount(log.promptTokens)}</Row>
            <Row label="Cached input tokens">{formatCount(log.cachedTokens)}</Row>
            <Row label="Output tokens">{formatCount(log.completionTokens)}</Row>
            <Row label="Reasoning tokens">{formatCount(log.reasoningTokens)}</Row>
            {log.usageEstimated ? <Row label="Estimated">partly the router's count: the stream ended before the provider reported usage</Row> : null}
            <Row label="Cost">{formatUsd(log.costNanoUsd)}</Row>
          </tbody>
        </table>
      </section>
      <section aria-labelledby="timings-title">
        <h2 id="timings-title">Timings</h2>
        <table data-testid="timings">
          <tbody>
            <Row label="Received"><Time ms={log.receivedAt} /></Row>
            <Row label="First byte">{log.firstByteAt === null ? "—" : <Time ms={log.firstByteAt} />}</Row>
            <Row label="Completed"><Time ms={log.completedAt} /></Row>
            <Row label="Latency">{formatMs(log.latencyMs)}</Row>
            <Row label="Time to first byte">{log.firstByteAt === null ? "—" : formatMs(log.firstByteAt - log.receivedAt)}</Row>
          </tbody>
        </table>
      </section>
      <section aria-labelledby="client-title">
        <h2 id="client-title">Client</h2>
        <table data-testid="client">
          <tbody>
            <Row label="IP address">{log.ip ?? "—"}</Row>
            <Row label="User agent">{log.userAgent ?? "—"}</Row>
            <Row label="Edge location">{log.edgeLocation ?? "—"}</Row>
          </tbody>
        </table>
      </section>
    </>
  );
}

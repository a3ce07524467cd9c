/** @jsxImportSource hono/jsx */
/** The request logs list: its filter form and its table (src/console/routes/logs.tsx reads the data). */
import type { ApiKey } from "../../db/schema";
import type { RequestLogListRow, StatusFilter } from "../../db/request-log-queries";
import { formatCount, formatMs, formatUsd, Time } from "./metrics-format";

export interface LogFilters {
  model?: string;
  status?: StatusFilter;
  keyId?: string;
}

/** Statuses offered in the filter; any other code still works from the address bar. */
const COMMON_STATUSES = [400, 401, 402, 403, 404, 413, 429, 500, 502, 503, 504];

/** A key as the logs name it: its name and prefix, so two keys of one name stay apart. */
export function keyLabel(key: ApiKey | undefined, keyId: string | null): string {
  if (keyId === null) return "—";
  if (!key) return "deleted key";
  return `${key.name || "unnamed"} (${key.prefix}…)`;
}

export function LogFilterForm({ filters, keys }: { filters: LogFilters; keys: readonly ApiKey[] }) {
  const status = filters.status === undefined ? "" : String(filters.status);
  const codes = typeof filters.status === "number" && !COMMON_STATUSES.includes(filters.status) ? [...COMMON_STATUSES, filters.status] : COMMON_STATUSES;
  return (
    <form method="get" action="/logs" class="filters">
      <label for="filter-model">Model</label>
      <input id="filter-model" name="model" type="text" value={filters.model ?? ""} placeholder="provider/model" />
      <label for="filter-status">Status</label>
      <select id="filter-status" name="status">
        <option value="" selected={status === ""}>Any status</option>
        <option value="success" selected={status === "success"}>Success (below 400)</option>
        <option value="error" selected={status === "error"}>Error (400 and above)</option>
        {codes.map((code) => (
          <option value={String(code)} selected={status === String(code)}>{String(code)}</option>
        ))}
      </select>
      <label for="filter-key">Key</label>
      <select id="filter-key" name="key">
        <option value="" selected={!filters.keyId}>Any key</option>
        {keys.map((k) => (
          <option value={k.id} selected={filters.keyId === k.id}>{keyLabel(k, k.id)}</option>
        ))}
      </select>
      <button type="submit">Filter</button>
    </form>
  );
}

export function LogTable({ rows, keys }: { rows: readonly RequestLogListRow[]; keys: ReadonlyMap<string, ApiKey> }) {
  return (
    <table data-testid="request-logs">
      <caption>Requests, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Model</th>
          <th scope="col">Key</th>
          <th scope="col">Status</th>
          <th scope="col">Tokens</th>
          <th scope="col">Cost</th>
          <th scope="col">Latency</th>
          <th scope="col">Request</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr data-request-id={row.requestId}>
            <td>
              <Time ms={row.receivedAt} />
            </td>
            <td>{row.model ?? "—"}</td>
            <td>{keyLabel(row.keyId === null ? undefined : keys.get(row.keyId), row.keyId)}</td>
            <td>{row.errorCode ? `${row.status} ${row.errorCode}` : String(row.status)}</td>
            <td class="num">{formatCount(row.promptTokens + row.completionTokens)}</td>
            <td class="num">{formatUsd(row.costNanoUsd)}</td>
            <td class="num">{formatMs(row.latencyMs)}</td>
            <td>
              <a href={`/logs/${row.requestId}`}>Details</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

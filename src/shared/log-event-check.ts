/**
 * The router's check of its own log event before the queue: the same rules
 * as logEventSchema (log-event.ts), written out by hand. Zod cannot compile
 * its parsers in Workers (no code generation at run time), and its generic
 * parse of this ~30-field object was ~3% of the router isolate's JavaScript
 * on the warm path (docs/performance.md, "Round two"). The schema stays the
 * contract: the logger parses every event with it on receipt, and
 * test/log-event-check.test.ts holds the two to the same answer on every
 * field's valid and invalid values.
 */
import { regexes } from "zod";
import { CACHE_STATUSES, DATA_REGIONS, LOG_ENDPOINTS, LOG_EVENT_VERSION, LOG_METHODS, MAX_ATTEMPTS, MAX_USER_AGENT_LENGTH } from "./log-event";

const REQUEST_ID = /^req_[0-9a-f]{32}$/;
const ACCOUNT_ID = /^acct_[0-9a-f]{32}$/;
const KEY_ID = /^key_[0-9a-f]{32}$/;
const ENDPOINT_ID = /^[a-z0-9-]{1,32}$/;
const UPSTREAM_MODEL = /^[A-Za-z0-9._:/@-]{1,128}$/;
const ROUTER_CODE = /^[a-z][a-z0-9_]{0,63}$/;
const MODEL = /^[a-z0-9-]{1,32}\/[A-Za-z0-9._:-]{1,96}$/;
const USER_AGENT = /^[\x20-\x7e]*$/;
const EDGE_LOCATION = /^[A-Z]{3,4}$/;
/** zod's guard before the URL parser: hex digits, colons and dots only. */
const IPV6_ALPHABET = /^[0-9a-fA-F:.]+$/;

type Check = (v: unknown) => boolean;

const int = (min: number, max: number): Check => (v) => typeof v === "number" && Number.isSafeInteger(v) && v >= min && v <= max;
const count = int(0, Number.MAX_SAFE_INTEGER);
const bool: Check = (v) => typeof v === "boolean";
const matches = (re: RegExp): Check => (v) => typeof v === "string" && re.test(v);
const oneOf = (values: readonly string[]): Check => (v) => typeof v === "string" && values.includes(v);
const nullable = (check: Check): Check => (v) => v === null || check(v);
/** A field the schema marks optional: absent and undefined both pass. */
const optional = (check: Check): Check => (v) => v === undefined || check(v);
const status = int(100, 599);

/** z.ipv6() as zod checks it (isValidIPv6): the alphabet, then whether the URL parser takes it as a host. */
const ipv6 = (v: string) => IPV6_ALPHABET.test(v) && URL.canParse(`http://[${v}]`);
const ip: Check = (v) => typeof v === "string" && (regexes.ipv4.test(v) || ipv6(v));

const ATTEMPT_FIELDS: Record<string, Check> = {
  route: matches(ENDPOINT_ID),
  upstream_model: matches(UPSTREAM_MODEL),
  code: matches(ROUTER_CODE),
  status: nullable(status),
  latency_ms: count,
};

const attemptLog: Check = (v) => Array.isArray(v) && v.length <= MAX_ATTEMPTS && v.every((a) => fieldProblems(a, ATTEMPT_FIELDS).length === 0);

const EVENT_FIELDS: Record<string, Check> = {
  v: (v) => v === LOG_EVENT_VERSION,
  request_id: matches(REQUEST_ID),
  account_id: nullable(matches(ACCOUNT_ID)),
  key_id: nullable(matches(KEY_ID)),
  endpoint: oneOf(LOG_ENDPOINTS),
  method: oneOf(LOG_METHODS),
  model: nullable(matches(MODEL)),
  provider: nullable(matches(ENDPOINT_ID)),
  upstream_model: nullable(matches(UPSTREAM_MODEL)),
  attempts: int(0, MAX_ATTEMPTS),
  route: optional(nullable(matches(ENDPOINT_ID))),
  data_region: optional(nullable(oneOf(DATA_REGIONS))),
  attempt_log: optional(attemptLog),
  received_at: count,
  first_byte_at: nullable(count),
  completed_at: count,
  latency_ms: count,
  status,
  error_code: nullable(matches(ROUTER_CODE)),
  prompt_tokens: count,
  completion_tokens: count,
  cached_tokens: count,
  reasoning_tokens: count,
  usage_estimated: optional(bool),
  cost_nano_usd: count,
  provider_cost_nano_usd: optional(count),
  streamed: bool,
  client_aborted: bool,
  cache: optional(nullable(oneOf(CACHE_STATUSES))),
  ip: nullable(ip),
  user_agent: nullable((v) => typeof v === "string" && v.length <= MAX_USER_AGENT_LENGTH && USER_AGENT.test(v)),
  edge_location: nullable(matches(EDGE_LOCATION)),
};

/** The fields of a strict object that break their rule, and any field it does not know. */
function fieldProblems(value: unknown, fields: Record<string, Check>): string[] {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return ["(root)"];
  const record = value as Record<string, unknown>;
  const problems: string[] = [];
  for (const name in fields) if (!fields[name]!(record[name])) problems.push(name);
  for (const name of Object.keys(record)) if (!Object.hasOwn(fields, name)) problems.push(`${name}: unknown`);
  return problems;
}

/**
 * The names of the fields that break logEventSchema (empty: the schema
 * accepts it). Names only, never values, so the list is safe to log.
 */
export function logEventProblems(event: unknown): string[] {
  const problems = fieldProblems(event, EVENT_FIELDS);
  if (problems.length > 0) return problems;
  const e = event as { received_at: number; completed_at: number; latency_ms: number; attempts: number; attempt_log?: unknown[] };
  if (e.completed_at < e.received_at || e.latency_ms !== e.completed_at - e.received_at) problems.push("latency_ms");
  if (e.attempt_log !== undefined && e.attempt_log.length !== e.attempts) problems.push("attempts");
  return problems;
}

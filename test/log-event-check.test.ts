/**
 * The router's hand-written check of its log event answers as logEventSchema
 * does (the logger's parse): on every field, for valid values, values of the
 * wrong type, edges of each range and pattern, absent fields, unknown fields
 * and the cross-field rules. If the schema changes and the check does not,
 * this fails.
 */
import { describe, expect, it } from "vitest";
import { logEventSchema } from "../src/shared/log-event";
import { logEventProblems } from "../src/shared/log-event-check";
import { SEED_CATALOGUE } from "../src/routing/catalogue";
import { fellBack, logEvent, longestRouting } from "./helpers/log-events";

const agree = (value: unknown, label: string) => {
  const zod = logEventSchema.safeParse(value).success;
  expect(logEventProblems(value).length === 0, `${label}: the schema says ${zod ? "valid" : "invalid"}`).toBe(zod);
  return zod;
};

const hex32 = "0123456789abcdef".repeat(2);
/** Values of every kind and the edges of the schema's patterns and ranges; each is tried in every field. */
const POOL: unknown[] = [
  undefined, null, true, false, 0, -0, 1, -1, 0.5, 99, 100, 599, 600, 10, 11, NaN, Infinity, -Infinity,
  Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 2, "1", "", " ", "ok", "OK", "ok code", "a".repeat(64), "a".repeat(65),
  `req_${hex32}`, `req_${hex32.toUpperCase()}`, `req_${hex32}0`, `acct_${hex32}`, `key_${hex32}`, `key_${hex32.slice(1)}`,
  "openai", "openai-eu", "OpenAI", "a".repeat(32), "a".repeat(33), "openai/gpt-4o-mini", "openai/gpt 4o", "Openai/gpt-4o", `${"a".repeat(32)}/${"b".repeat(96)}`, `a/${"b".repeat(97)}`,
  "claude-haiku-4-5@20251001", "models/gemini-2.5-flash:free", "x".repeat(128), "x".repeat(129),
  "chat.completions", "messages", "other", "Messages", "GET", "POST", "OTHER", "get", "eu", "us", "global", "EU", "hit", "miss", "bypass", "HIT",
  "127.0.0.1", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "::1", "::", "2001:db8::1", "2001:DB8::1", "::ffff:1.2.3.4", "fe80::1%eth0", "::1\n", "::@1\\", "1::2::3", "[::1]", "2001:db8:0:0:0:0:0:0:1",
  "FRA", "FRAX", "fra", "FR", "FRAXX", "x".repeat(256), "x".repeat(257), "tab\there", "é", "OpenAI/JS 7.57.0",
  [], [{}], {}, { route: "a" },
];

const BASES: [string, Record<string, unknown>][] = [
  ["plain", logEvent()],
  ["anonymous 401", logEvent({ account_id: null, key_id: null, model: null, provider: null, upstream_model: null, attempts: 0, status: 401, error_code: "missing_api_key" })],
  ["fell back", logEvent(fellBack())],
  ["longest routing", logEvent(longestRouting())],
  ["every optional field", logEvent({ ...fellBack(), usage_estimated: true, provider_cost_nano_usd: 5, cache: "hit", ip: "2001:db8::1", user_agent: "x".repeat(256), edge_location: "FRA" })],
];

describe("the hand-written log event check", () => {
  it("accepts what the schema accepts: the test events and every upstream model of the seed catalogue", () => {
    for (const [label, base] of BASES) expect(agree(base, label)).toBe(true);
    for (const id of SEED_CATALOGUE.models.flatMap((m) => m.routes.map((r) => r.upstreamModel))) agree(logEvent({ upstream_model: id }), id);
  });

  it("answers as the schema for every value of the pool in every field, and for every field left out", () => {
    let rejected = 0;
    for (const [label, base] of BASES) {
      for (const field of Object.keys(logEventSchema.shape)) {
        const { [field]: _, ...without } = base;
        if (!agree(without, `${label} without ${field}`)) rejected++;
        for (const value of POOL) if (!agree({ ...base, [field]: value }, `${label} ${field}=${String(value)}`)) rejected++;
      }
    }
    expect(rejected).toBeGreaterThan(1_000);
  });

  it("answers as the schema for every attempt field, and for attempt logs too long or of the wrong length", () => {
    const base = logEvent(fellBack());
    const [failed, answered] = base.attempt_log!;
    for (const field of ["route", "upstream_model", "code", "status", "latency_ms", "extra"]) {
      for (const value of POOL) agree({ ...base, attempt_log: [{ ...failed!, [field]: value }, answered] }, `attempt ${field}=${String(value)}`);
      const { [field as "route"]: _, ...without } = failed!;
      agree({ ...base, attempt_log: [without, answered] }, `attempt without ${field}`);
    }
    const eleven = Array.from({ length: 11 }, () => answered);
    expect(agree({ ...base, attempts: 11, attempt_log: eleven }, "eleven attempts")).toBe(false);
    expect(agree({ ...base, attempts: 10, attempt_log: eleven.slice(1) }, "ten attempts")).toBe(true);
    expect(agree({ ...base, attempts: 1 }, "attempts not the log's length")).toBe(false);
  });

  it("holds the latency rule and refuses unknown fields (content cannot ride along) and non-objects", () => {
    const base = logEvent();
    const at = base.received_at;
    expect(agree({ ...base, completed_at: at - 1, latency_ms: 0 }, "ends before it began")).toBe(false);
    expect(agree({ ...base, completed_at: at + 5, latency_ms: 4 }, "latency off by one")).toBe(false);
    expect(agree({ ...base, completed_at: at + 5, latency_ms: 5 }, "latency right")).toBe(true);
    for (const field of ["prompt", "error_message", "constructor", "toString", "hasOwnProperty"]) {
      expect(agree({ ...base, [field]: "The model said: hello" }, `unknown ${field}`)).toBe(false);
      expect(agree({ ...base, [field]: undefined }, `unknown ${field}, undefined`)).toBe(false);
    }
    for (const value of [null, undefined, "event", 1, [], [base]]) expect(agree(value, `root ${String(value)}`)).toBe(false);
  });

  it("names fields, never values", () => {
    expect(logEventProblems({ ...logEvent(), error_code: "please summarise my medical file", prompt: "hello" })).toEqual(["error_code", "prompt: unknown"]);
  });
});

/**
 * What a provider keeps on a route: the catalogue's statement for the route,
 * else the operator's for its endpoint (PROVIDER_RETENTION), else the
 * provider's published terms; and how an invalid PROVIDER_RETENTION is
 * reported and ignored.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CATALOGUE } from "../src/providers/catalogue";
import { STANDARD_RETENTION } from "../src/providers/retention";
import { retentionOf } from "../src/providers/route-retention";
import type { Route } from "../src/providers/types";

const withVar = (value: string): Env => ({ ...env, PROVIDER_RETENTION: value }) as Env;
const mistralEu = CATALOGUE.find((m) => m.id === "mistral/mistral-small-latest")!.routes[0]!;
const ZDR = { zdr: true, days: 0, purposes: [], source: "our ZDR addendum" };

afterEach(() => vi.restoreAllMocks());

describe("retentionOf", () => {
  it("takes the provider's published terms when nothing else is said", () => {
    expect(retentionOf(mistralEu, withVar(""))).toEqual({ ...STANDARD_RETENTION.mistral, origin: "provider_terms" });
    expect(retentionOf(mistralEu, withVar("")).source).toMatch(/^https:\/\//);
  });

  it("takes the operator's statement for the route's endpoint over the provider's terms", () => {
    const e = withVar(JSON.stringify({ "mistral-eu": ZDR }));
    expect(retentionOf(mistralEu, e)).toEqual({ ...ZDR, origin: "operator" });
    // Another endpoint of the same provider keeps its terms.
    const global = CATALOGUE.find((m) => m.id === "mistral/mistral-small-latest")!.routes[1]!;
    expect(retentionOf(global, e).origin).toBe("provider_terms");
  });

  it("takes the catalogue's statement for the route over the operator's", () => {
    const route: Route = { ...mistralEu, retention: { zdr: false, days: 7, purposes: ["abuse_monitoring"], source: "model excluded from our ZDR" } };
    expect(retentionOf(route, withVar(JSON.stringify({ "mistral-eu": ZDR })))).toMatchObject({ zdr: false, days: 7, origin: "catalogue" });
  });
});

describe("PROVIDER_RETENTION", () => {
  it.each([
    ["not JSON", "{zdr: true", "not JSON"],
    ["an unknown endpoint", JSON.stringify({ "mistral-moon": ZDR }), "unknown endpoint"],
    ["zero retention that keeps days", JSON.stringify({ "mistral-eu": { ...ZDR, days: 30 } }), "mistral-eu.days"],
    ["a field too many", JSON.stringify({ "mistral-eu": { ...ZDR, region: "eu" } }), "mistral-eu"],
    ["a purpose that is not a name", JSON.stringify({ "mistral-eu": { ...ZDR, zdr: false, days: 1, purposes: ["Abuse Monitoring!"] } }), "mistral-eu.purposes.0"],
  ])("with %s is reported once, without its value, and ignored as a whole", (_label, value, where) => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const e = withVar(value);
    expect(retentionOf(mistralEu, e).origin).toBe("provider_terms");
    expect(retentionOf(mistralEu, e).origin).toBe("provider_terms");
    expect(error).toHaveBeenCalledTimes(1);
    const line = String(error.mock.calls[0]![0]);
    expect(line).toContain("PROVIDER_RETENTION ignored");
    expect(line).toContain(where);
    expect(line).not.toContain("our ZDR addendum");
  });

  it("is read once per env: a valid value logs nothing", () => {
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    const e = withVar(JSON.stringify({ "mistral-eu": ZDR, "openai-eu": { zdr: false, days: 30, purposes: ["abuse_monitoring"], source: "MAM" } }));
    expect(retentionOf(mistralEu, e).zdr).toBe(true);
    expect(error).not.toHaveBeenCalled();
  });
});

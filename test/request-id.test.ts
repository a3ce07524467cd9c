import { describe, expect, it } from "vitest";
import { call, newCustomer } from "./helpers/router";

describe("x-request-id", () => {
  it("is on successful responses and unique per request", async () => {
    const { key } = await newCustomer();
    const a = await call("/v1/models", { headers: { authorization: `Bearer ${key}` } });
    const b = await call("/v1/models", { headers: { authorization: `Bearer ${key}` } });
    expect(a.status).toBe(200);
    expect(a.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(b.headers.get("x-request-id")).not.toBe(a.headers.get("x-request-id"));
  });

  it("is on error responses: auth failures and unknown routes", async () => {
    const unauth = await call("/v1/models");
    expect(unauth.status).toBe(401);
    expect(unauth.headers.get("x-request-id")).toMatch(/^req_/);
    const missing = await call("/v1/nothing-here");
    expect(missing.status).toBe(404);
    expect(missing.headers.get("x-request-id")).toMatch(/^req_/);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe("route_not_found");
  });

  it("ignores a client-supplied x-request-id", async () => {
    const res = await call("/v1/models", { headers: { "x-request-id": "client-chosen" } });
    expect(res.headers.get("x-request-id")).not.toBe("client-chosen");
  });
});

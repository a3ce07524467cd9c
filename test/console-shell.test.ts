import { describe, expect, it } from "vitest";
import { SECURITY_HEADERS } from "../src/console/middleware/security-headers";
import { newCustomer } from "./helpers/router";
import { consoleFetch, signedInClient } from "./helpers/console";

it("sends every console page with a strict CSP, HSTS, frame-ancestors none and a same-origin referrer policy", async () => {
  const res = await consoleFetch("/sign-in");
  expect(res.status).toBe(200);
  const csp = res.headers.get("content-security-policy")!;
  expect(csp).toContain("script-src 'self'");
  expect(csp).not.toContain("unsafe-inline");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d{8}/);
  expect(res.headers.get("referrer-policy")).toBe("same-origin");
  expect(res.headers.get("cache-control")).toBe("no-store");
  // The shell loads no script of its own: a page lists the ones it needs (this one, passkey sign-in's).
  const scripts = [...(await res.text()).matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]);
  expect(scripts).toEqual(["/assets/vendor/simplewebauthn-browser.umd.min.js", "/assets/passkeys.js"]);
});

it("sends the signed-out to sign-in, and lets a session's holder in", async () => {
  const out = await consoleFetch("/keys", { redirect: "manual" });
  expect(out.status).toBe(303);
  expect(out.headers.get("location")).toBe("/sign-in?next=%2Fkeys");
  const { accountId } = await newCustomer();
  const client = await signedInClient(accountId);
  const page = await client.get("/keys");
  expect(page.status).toBe(200);
  expect(client.csrf).toMatch(/^[0-9a-f]{64}$/);
});

describe("the security headers on every kind of answer", () => {
  const expectSecurityHeaders = (res: Response) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name), name).toBe(value);
    expect(res.headers.get("cache-control")).toBe("no-store");
  };

  it("a 404 page", async () => {
    // Signed in: a signed-out visitor to an unknown page is sent to sign in first.
    const client = await signedInClient((await newCustomer()).accountId);
    const res = await client.get("/no-such-page");
    expect(res.status).toBe(404);
    expectSecurityHeaders(res);
  });

  it("a 303 redirect", async () => {
    const res = await consoleFetch("/keys", { redirect: "manual" });
    expect(res.status).toBe(303);
    expectSecurityHeaders(res);
  });

  it("an error page (another account's key: an ApiError thrown by the key logic)", async () => {
    const [{ accountId }, other] = await Promise.all([newCustomer(), newCustomer()]);
    const client = await signedInClient(accountId);
    const res = await client.get(`/keys/${other.keyId}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("Something needs your attention");
    expectSecurityHeaders(res);
  });
});

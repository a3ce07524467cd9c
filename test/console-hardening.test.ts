import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import type { ConsoleAppEnv } from "../src/console/env";
import consoleWorker from "../src/console/index";
import { onConsoleError } from "../src/console/on-error";
import { page } from "../src/console/pages/layout";
import { ApiError, errors } from "../src/shared/errors";
import { CONSOLE_ORIGIN, consoleEnv } from "./helpers/console";

/** Calls the console with its test env changed as `overrides` say. */
async function fetchWithEnv(path: string, overrides: Partial<ConsoleEnv>): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`${CONSOLE_ORIGIN}${path}`) as Request<unknown, IncomingRequestCfProperties>;
  const res = await consoleWorker.fetch(request, { ...consoleEnv(), ...overrides }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

it("answers /dev/outbox with a plain 404 when mail goes out through the email binding (production)", async () => {
  const res = await fetchWithEnv("/dev/outbox", { EMAIL_TRANSPORT: "binding" });
  expect(res.status).toBe(404);
  expect(await res.text()).not.toContain("mail");
  expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
});

it("renders a signed-out page shell even where the session and preferences middleware did not run", async () => {
  const bare = new Hono<ConsoleAppEnv>().get("/", (c) => page(c, { title: "Bare" }, "Body"));
  const res = await bare.request("/");
  expect(res.status).toBe(200);
  const html = await res.text();
  expect(html).toContain("Bare");
  expect(html).not.toContain("Sign out");
  expect(html).toContain("Allow analytics");
});

describe("an ApiError's page", () => {
  const throwing = (err: Error) =>
    new Hono<ConsoleAppEnv>()
      .get("/", () => {
        throw err;
      })
      .onError(onConsoleError);

  it("keeps 401, 429 and 5xx statuses (and a 429's Retry-After) instead of calling them a bad request", async () => {
    const unauthorized = await throwing(errors.unauthorized("Sign in again.")).request("/");
    expect(unauthorized.status).toBe(401);
    const limited = await throwing(new ApiError(429, "rate_limit_error", "rate_limited", "Slow down.", null, { "retry-after": "30" })).request("/");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("30");
    expect(await limited.text()).toContain("Slow down.");
    const upstream = await throwing(errors.upstream("The provider failed.")).request("/");
    expect(upstream.status).toBe(502);
  });

  it("keeps the statuses it always kept", async () => {
    for (const status of [400, 403, 404, 409]) {
      const res = await throwing(new ApiError(status, "invalid_request_error", "x", "No.")).request("/");
      expect(res.status).toBe(status);
    }
  });
});

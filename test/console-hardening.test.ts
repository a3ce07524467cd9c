import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { Hono } from "hono";
import { expect, it } from "vitest";
import type { ConsoleAppEnv } from "../src/console/env";
import consoleWorker from "../src/console/index";
import { page } from "../src/console/pages/layout";
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

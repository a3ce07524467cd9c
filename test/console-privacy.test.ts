import { Hono } from "hono";
import { afterEach, expect, it, vi } from "vitest";
import type { AppEnv } from "../src/router/env";
import { onError } from "../src/router/on-error";

afterEach(() => vi.restoreAllMocks());

it("logs an unexpected error's type and frames, never its message (which may quote a prompt)", async () => {
  const lines: unknown[][] = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void lines.push(args));
  const canary = "zq81x"; // short enough for V8 to quote whole
  const app = new Hono<AppEnv>()
    .use(async (c, next) => {
      c.set("requestId", "req_test");
      await next();
    })
    .get("/", () => {
      // As a runtime error can: V8's JSON.parse errors quote the start of the text.
      JSON.parse(canary);
      return new Response("unreachable");
    })
    .onError(onError);
  const res = await app.request("/");
  expect(res.status).toBe(500);
  expect(await res.text()).not.toContain(canary);
  expect(lines).toHaveLength(1);
  const logged = lines[0]!.map(String).join(" ");
  expect(logged).toContain("req_test");
  expect(logged).toContain("SyntaxError");
  expect(logged).not.toContain(canary);
});

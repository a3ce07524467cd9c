import { beforeEach } from "vitest";
import { resetRouteHealth } from "../src/routing/health";

// Route breakers are per isolate and shared through one Durable Object; a test
// that makes routes fail would otherwise open breakers for the tests after
// it. Each test starts with healthy routes: a fresh view and its own object.
// Tests of the breaker itself keep their state within the test.
let n = 0;
beforeEach(() => {
  resetRouteHealth({ objectName: `test-${crypto.randomUUID()}-${n++}` });
});

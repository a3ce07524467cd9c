import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { createAccount } from "../src/db/accounts";
import { coreDb } from "../src/db/client";
import { ConsoleClient, mailTo, signedInClient } from "./helpers/console";
import { newCustomer } from "./helpers/router";

const signedIn = async (client: ConsoleClient) => (await client.get("/security")).status === 200;

/** Every state-changing form of the signed-in console this area owns. */
const FORMS = ["/sign-out", "/security/sessions/sign-out-everywhere", "/preferences"] as const;

for (const path of FORMS) {
  it(`refuses POST ${path} without the CSRF token, with a wrong one, from another origin and with no Origin`, async () => {
    const client = await signedInClient((await newCustomer()).accountId);
    const token = client.csrf!;
    const attempts = [
      { csrf: null },
      { csrf: "0".repeat(64) },
      { origin: "https://evil.test" },
      { origin: "http://console.test" },
      { origin: null },
    ];
    for (const options of attempts) {
      const res = await client.post(path, { analytics: "1" }, options);
      expect(res.status, JSON.stringify(options)).toBe(403);
      expect(res.headers.getSetCookie()).toEqual([]);
    }
    expect(await signedIn(client)).toBe(true);
    expect(client.csrf).toBe(token);
    // The same form with the token and the console's Origin goes through.
    expect((await client.post(path, { analytics: "1" })).status).toBe(303);
  });
}

it("refuses a CSRF token of another session", async () => {
  const mine = await signedInClient((await newCustomer()).accountId);
  const theirs = await signedInClient((await newCustomer()).accountId);
  expect((await mine.post("/sign-out", {}, { csrf: theirs.csrf })).status).toBe(403);
  expect(await signedIn(mine)).toBe(true);
});

it("refuses a signed-out sign-in request from another origin or with no Origin, and sends nothing", async () => {
  const email = `csrf-${crypto.randomUUID().slice(0, 8)}@example.com`;
  await createAccount(coreDb(env.DB), { email, name: "Target", tier: "free" }, "admin");
  const client = new ConsoleClient();
  expect((await client.post("/sign-in", { email }, { origin: "https://evil.test" })).status).toBe(403);
  expect((await client.post("/sign-in", { email }, { origin: null })).status).toBe(403);
  expect(mailTo(email)).toHaveLength(0);
});

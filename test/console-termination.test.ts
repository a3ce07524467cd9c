import { expect, it } from "vitest";
import { signedInClient } from "./helpers/console";
import { admin, newCustomer } from "./helpers/router";

it("ends the console sessions of an account the operator terminates, but not of one it suspends", async () => {
  const suspended = await newCustomer();
  const terminated = await newCustomer();
  const suspendedClient = await signedInClient(suspended.accountId);
  const terminatedClient = await signedInClient(terminated.accountId);

  expect((await admin("PATCH", `/accounts/${suspended.accountId}`, { status: "suspended", reason: "unpaid invoice" })).status).toBe(200);
  expect((await admin("PATCH", `/accounts/${terminated.accountId}`, { status: "terminated", reason: "repeated abuse" })).status).toBe(200);

  // Suspended: still signed in, to see why and to appeal.
  expect((await suspendedClient.get("/security")).status).toBe(200);
  const gone = await terminatedClient.get("/security");
  expect(gone.status).toBe(303);
  expect(gone.headers.get("location")).toMatch(/^\/sign-in/);
});

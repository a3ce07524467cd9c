import type { TestProject } from "vitest/node";
import { startFakeUpstream } from "./fake-upstream/server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    fakeUpstreamUrl: string;
    /** The fake's test service account key file (VERTEX_SERVICE_ACCOUNT). */
    vertexServiceAccount: string;
  }
}

/** Starts one fake upstream in Node for the whole workerd test run. */
export default async function setup(project: TestProject) {
  // Webhooks stay in the fake's outbox (workerd is not reachable from here):
  // tests replay them (test/helpers/stripe.ts), signed with the tests' secret.
  const fake = await startFakeUpstream({ stripeWebhookUrl: null, stripeWebhookSecret: "whsec_test_emby" });
  project.provide("fakeUpstreamUrl", fake.url);
  project.provide("vertexServiceAccount", fake.serviceAccount);
  return () => fake.close();
}

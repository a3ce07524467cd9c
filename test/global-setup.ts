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
  const fake = await startFakeUpstream();
  project.provide("fakeUpstreamUrl", fake.url);
  project.provide("vertexServiceAccount", fake.serviceAccount);
  return () => fake.close();
}

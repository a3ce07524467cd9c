import type { TestProject } from "vitest/node";
import { startFakeUpstream } from "./fake-upstream/server.ts";

declare module "vitest" {
  export interface ProvidedContext {
    fakeUpstreamUrl: string;
  }
}

/** Starts one fake upstream in Node for the whole workerd test run. */
export default async function setup(project: TestProject) {
  const fake = await startFakeUpstream();
  project.provide("fakeUpstreamUrl", fake.url);
  return () => fake.close();
}

import { afterEach, describe, expect, it } from "vitest";
import type { ModelSpec } from "../src/providers/model-spec";
import { catalogueApi, currentView } from "./helpers/catalogue";

afterEach(async () => {
  const { version } = await currentView();
  expect((await catalogueApi("DELETE", "", { if_version: version })).status).toBe(200);
});

const claudeOnVertex = (upstreamModel: string): ModelSpec => ({
  id: "anthropic/vertex-spec-test",
  provider: "anthropic",
  name: "Vertex spec test",
  contextLength: 200_000,
  maxOutputTokens: 8_192,
  routes: [{ endpoint: "vertex-eu", upstreamModel, pricing: { prompt: 3.3, completion: 16.5 } }],
});

async function putWith(spec: ModelSpec) {
  const { version, models } = await currentView();
  return catalogueApi("PUT", "", { if_version: version, models: [...models, spec] });
}

describe("a Vertex AI route in the operator's catalogue", () => {
  it("names its publisher: 'google/…' or 'anthropic/…', with Claude's @version", async () => {
    const res = await putWith(claudeOnVertex("anthropic/claude-sonnet-4-5@20250929"));
    expect(res.status, JSON.stringify(res.json)).toBe(200);
  });

  it("is refused at PUT time when it names no publisher or an unknown one", async () => {
    for (const upstreamModel of ["claude-sonnet-4-5@20250929", "meta/llama-4", "anthropic/", "google/gemini/extra"]) {
      const res = await putWith(claudeOnVertex(upstreamModel));
      expect(res.status, upstreamModel).toBe(400);
      expect((res.json as { error: { param: string } }).error.param).toMatch(/^models\[\d+\]\.routes\[0\]\.upstreamModel$/);
    }
  });
});

/**
 * The fake upstream's Azure OpenAI resource, read raw: the wire quirks the
 * adapter must undo are really there (so the adapter's tests can fail), and
 * its errors have Azure's shapes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { labelOf, startFakeUpstream, type FakeUpstream } from "../fake-upstream/server.ts";

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());

function azure(prompt: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = { "api-key": "k" }): Promise<Response> {
  return fetch(`${fake.url}/azure-eu/openai/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model: "eu-mini", messages: [{ role: "user", content: prompt }], ...extra }),
  });
}

type Chunk = { id: string; choices: { finish_reason: string | null; content_filter_results?: unknown }[]; usage: unknown; prompt_filter_results?: unknown };
const chunks = async (res: Response) => [...(await res.text()).matchAll(/^data: (.*)$/gm)].map(([, d]) => (d === "[DONE]" ? d : (JSON.parse(d!) as Chunk)));

describe("the fake's Azure OpenAI resource", () => {
  it("answers /{label}/openai/v1/chat/completions", () => {
    expect(labelOf("/azure-eu/openai/v1/chat/completions")).toEqual(["azure-eu", "/openai/v1/chat/completions"]);
  });

  it("streams a prompt_filter_results chunk first (id \"\", no choices) and content_filter_results on choices", async () => {
    const [first, role, content] = (await chunks(await azure("hi", { stream: true }))) as Chunk[];
    expect(first).toMatchObject({ id: "", choices: [], prompt_filter_results: [{ prompt_index: 0 }] });
    expect(role!.choices[0]).toHaveProperty("content_filter_results", {});
    expect(content!.choices[0]!.content_filter_results).toMatchObject({ hate: { filtered: false, severity: "safe" } });
  });

  it("in asynchronous filter mode sends an annotation chunk (id \"\") after the finish and usage chunks, before [DONE]", async () => {
    const all = await chunks(await azure('hi fake:{"azureFilter":"async"}', { stream: true, stream_options: { include_usage: true } }));
    const tail = all.slice(-4).map((c) => (c === "[DONE]" ? c : c.id === "" ? "annotation" : c.choices.length === 0 ? "usage" : `finish:${c.choices[0]!.finish_reason}`));
    expect(tail).toEqual(["finish:stop", "usage", "annotation", "[DONE]"]);
  });

  it("refuses a request without api-key (an Authorization header is not enough) in Azure's 401 shape", async () => {
    const res = await azure("hi", {}, { authorization: "Bearer k" });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("401");
  });

  it("blocks a prompt with 400 content_filter and its innererror; an unknown deployment is 404 DeploymentNotFound", async () => {
    const blocked = await azure('fake:{"contentFilter":"prompt"}');
    expect(blocked.status).toBe(400);
    expect(await blocked.json()).toMatchObject({ error: { code: "content_filter", innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: { violence: { filtered: true } } } } });
    const missing = await fetch(`${fake.url}/azure-eu/openai/v1/chat/completions`, { method: "POST", headers: { "api-key": "k", "content-type": "application/json" }, body: JSON.stringify({ model: "missing-4o", messages: [{ role: "user", content: "hi" }] }) });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: "DeploymentNotFound" } });
  });
});

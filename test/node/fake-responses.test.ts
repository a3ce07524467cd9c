/**
 * The fake's OpenAI Responses API (fake-upstream/responses-format.ts), called
 * directly in Node: the stream's framing (event names, sequence numbers, no
 * [DONE]), which output items a request gets, and the errors it answers with.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeUpstream, type FakeUpstream } from "../fake-upstream/server.ts";

let fake: FakeUpstream;
beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());

type Json = Record<string, unknown>;

function responses(body: Json, headers: Record<string, string> = { authorization: "Bearer k" }): Promise<Response> {
  return fetch(`${fake.url}/openai/v1/responses`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ model: "gpt-x", input: "hello", ...body }) });
}

/** A stream's events as [event line, data]. */
async function streamed(body: Json): Promise<[string, Json][]> {
  const text = await (await responses({ ...body, stream: true })).text();
  return text.trim().split("\n\n").map((block) => {
    const [event, data] = block.split("\n");
    return [event!.replace(/^event: /, ""), JSON.parse(data!.replace(/^data: /, "")) as Json];
  });
}

const types = (output: Json[]) => output.map((item) => item.type);

describe("the fake's Responses stream", () => {
  it("names each event as its type, numbers them from 0, and ends with response.completed (no [DONE])", async () => {
    const events = await streamed({});
    expect(events.map(([name, data]) => name === data.type)).not.toContain(false);
    expect(events.map(([, data]) => data.sequence_number)).toEqual(events.map((_, i) => i));
    const deltas = events.filter(([name]) => name === "response.output_text.delta").map(([, data]) => data.delta).join("");
    const done = events.find(([name]) => name === "response.output_text.done")![1];
    expect(done.text).toBe(deltas);
    expect(events.at(-1)![0]).toBe("response.completed");
  });
});

describe("the fake's output items", () => {
  const tools = [{ type: "function", name: "get_weather", parameters: {} }, { type: "function", name: "get_time", parameters: {} }];
  const output = async (body: Json) => ((await (await responses(body)).json()) as { output: Json[] }).output;

  it("calls the first function tool, or the one tool_choice names; not with tool_choice none or after a tool result", async () => {
    expect(await output({ tools })).toMatchObject([{ type: "function_call", name: "get_weather", arguments: '{"city":"Paris"}' }]);
    expect(await output({ tools, tool_choice: { type: "function", name: "get_time" } })).toMatchObject([{ type: "function_call", name: "get_time" }]);
    expect(types(await output({ tools, tool_choice: "none" }))).toEqual(["message"]);
    expect(types(await output({ tools, input: [{ type: "function_call_output", call_id: "c", output: "sunny" }] }))).toEqual(["message"]);
  });

  it("gives a reasoning item its summary when asked, its encrypted content only when included", async () => {
    const [plain] = await output({ reasoning: { effort: "low" } });
    expect(plain).toEqual({ id: expect.any(String), type: "reasoning", summary: [] });
    const [full] = await output({ reasoning: { summary: "auto" }, include: ["reasoning.encrypted_content"] });
    expect(full).toMatchObject({ summary: [{ type: "summary_text" }], encrypted_content: expect.stringMatching(/^gAAAAA/) });
  });

  it("cuts the reply at max_output_tokens: status incomplete, reason max_output_tokens", async () => {
    const body = (await (await responses({ max_output_tokens: 2 })).json()) as Json;
    expect(body).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" }, usage: { output_tokens: 2 } });
  });
});

describe("the fake's Responses errors", () => {
  it("401 without a bearer key, 400 for a previous_response_id (it stores nothing)", async () => {
    expect((await responses({}, {})).status).toBe(401);
    const res = await responses({ previous_response_id: "resp_1" });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: Json }).error).toMatchObject({ code: "previous_response_not_found", param: "previous_response_id" });
  });
});

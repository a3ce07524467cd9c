/**
 * Golden fixtures of the Responses API translation, each direction: request →
 * chat request, chat completion → Response object, chat chunk stream →
 * Responses events (the same at every split of its bytes).
 */
import { describe, expect, it } from "vitest";
import { responsesRequestSchema } from "../src/providers/responses/schema";
import { fromResponsesRequest } from "../src/router/responses/from-responses";
import { chatToResponsesStream } from "../src/router/responses/stream";
import { toResponseObject } from "../src/router/responses/to-response";
import { COMPLETION, CONTEXT, REQUEST, RESPONSE } from "./fixtures/responses/completion";
import { CHAT_REQUEST, RESPONSES_REQUEST } from "./fixtures/responses/request";
import { CHAT_STREAM, STREAM_CONTEXT, STREAM_EVENTS, STREAM_REQUEST } from "./fixtures/responses/stream";
import { seededCuts, translate } from "./helpers/relay";

const enc = new TextEncoder();
const streamCtx = () => ({ ...STREAM_CONTEXT, request: responsesRequestSchema.parse(STREAM_REQUEST) });
const asJson = (events: { event?: string; data: string }[]) => events.map((e) => ({ event: e.event, data: JSON.parse(e.data) as unknown }));

describe("Responses API golden fixtures", () => {
  it("Responses request → chat request: items in order, one assistant turn with its thinking and signatures, store false, foreign reasoning dropped", () => {
    expect(fromResponsesRequest(responsesRequestSchema.parse(RESPONSES_REQUEST))).toEqual(CHAT_REQUEST);
  });

  it("a string input is one user message; no stream options without a stream", () => {
    expect(fromResponsesRequest(responsesRequestSchema.parse({ model: "mistral/mistral-small-latest", input: "hi", reasoning: { effort: "none" } }))).toEqual({
      model: "mistral/mistral-small-latest",
      messages: [{ role: "user", content: "hi" }],
      store: false,
    });
  });

  it("chat completion → Response object: reasoning, message, the signature's reasoning item before its call, usage details", () => {
    expect(toResponseObject(COMPLETION, { ...CONTEXT, request: responsesRequestSchema.parse(REQUEST) })).toEqual(RESPONSE);
  });

  it("finish length → incomplete, reason max_output_tokens", () => {
    const cut = { ...COMPLETION, choices: [{ index: 0, message: { role: "assistant", content: "Partial" }, finish_reason: "length" }] };
    const response = toResponseObject(cut, { ...CONTEXT, request: responsesRequestSchema.parse(REQUEST) });
    expect(response).toMatchObject({ status: "incomplete", incomplete_details: { reason: "max_output_tokens" } });
    expect(response.output).toEqual([{ id: "msg_0123456789abcdef00", type: "message", status: "incomplete", role: "assistant", content: [{ type: "output_text", text: "Partial", annotations: [] }] }]);
  });

  it("chat stream → Responses events", async () => {
    const events = asJson(await translate(() => chatToResponsesStream(streamCtx()), enc.encode(CHAT_STREAM)));
    expect(events).toEqual(STREAM_EVENTS);
  });

  it("gives the same events at every split position of its input, and at 100 seeded multi-splits", async () => {
    const bytes = enc.encode(CHAT_STREAM);
    const make = () => chatToResponsesStream(streamCtx());
    const whole = await translate(make, bytes);
    for (let cut = 1; cut < bytes.length; cut++) expect(await translate(make, bytes, [cut]), `cut ${cut}`).toEqual(whole);
    for (const cuts of seededCuts(11, bytes.length, 100)) expect(await translate(make, bytes, cuts)).toEqual(whole);
  }, 60_000);

  it("the stream's last event is the JSON translation of the same answer", async () => {
    const events = asJson(await translate(() => chatToResponsesStream(streamCtx()), enc.encode(CHAT_STREAM)));
    const completed = (events.at(-1)!.data as { response: { output: unknown[] } }).response;
    expect(completed.output.map((i) => (i as { type: string }).type)).toEqual(["reasoning", "message", "function_call"]);
  });

  it("an upstream error mid-stream ends it with response.failed, after the items so far", async () => {
    const failing = CHAT_STREAM.slice(0, CHAT_STREAM.indexOf("data: ", CHAT_STREAM.indexOf('"Check"'))) + `data: ${JSON.stringify({ error: { message: "overloaded", code: "upstream_unavailable" } })}\n\n`;
    const events = asJson(await translate(() => chatToResponsesStream(streamCtx()), enc.encode(failing)));
    const last = events.at(-1)!;
    expect(last.event).toBe("response.failed");
    expect(last.data).toMatchObject({ type: "response.failed", response: { status: "failed", error: { code: "server_error", message: "overloaded" } } });
    expect(events.filter((e) => e.event === "response.failed")).toHaveLength(1);
  });

  it("a stream cut off before [DONE] ends with one response.failed", async () => {
    const cut = CHAT_STREAM.slice(0, CHAT_STREAM.indexOf("data: [DONE]"));
    const events = asJson(await translate(() => chatToResponsesStream(streamCtx()), enc.encode(cut)));
    expect(events.at(-1)!.event).toBe("response.failed");
    events.forEach((e, i) => expect((e.data as { sequence_number: number }).sequence_number).toBe(i));
  });
});

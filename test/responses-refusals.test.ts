/**
 * What /v1/responses refuses, and how: stored state (the router keeps no
 * responses), hosted tools, unsupported includes, invalid requests. Each is a
 * 400 in OpenAI's error shape naming the field, before any upstream call.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { responses } from "./helpers/responses";
import { newCustomer, tag, upstreamRequests, type Customer, type ErrorBody } from "./helpers/router";

let customer: Customer;
beforeAll(async () => {
  customer = await newCustomer();
});

const model = "mistral/mistral-small-latest";

const CASES: [string, Record<string, unknown>, string, string, RegExp][] = [
  ["previous_response_id", { previous_response_id: "resp_123" }, "previous_response_not_supported", "previous_response_id", /stores no responses.*'input' items/],
  ["conversation", { conversation: "conv_123" }, "conversation_not_supported", "conversation", /stores no responses/],
  ["background", { background: true }, "background_not_supported", "background", /background/],
  ["a stored prompt", { prompt: { id: "pmpt_1" } }, "prompt_template_not_supported", "prompt", /instructions/],
  ["an item reference", { input: [{ type: "item_reference", id: "msg_1" }] }, "item_reference_not_supported", "input[0]", /stores no responses/],
  ["a hosted web search tool", { tools: [{ type: "web_search" }] }, "unsupported_tool", "tools[0]", /'web_search'.*no route of this router runs it/],
  ["a hosted file search tool", { tools: [{ type: "file_search", vector_store_ids: ["vs_1"] }] }, "unsupported_tool", "tools[0]", /'file_search'/],
  ["code interpreter", { tools: [{ type: "code_interpreter", container: { type: "auto" } }] }, "unsupported_tool", "tools[0]", /'code_interpreter'/],
  ["an include other than encrypted reasoning", { include: ["file_search_call.results"] }, "unsupported_include", "include", /'file_search_call.results'/],
  ["truncation auto", { truncation: "auto" }, "invalid_value", "truncation", /does not truncate/],
  ["an uploaded image's file id", { input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }] }, "unsupported_file_reference", "input[0].content[0].file_id", /send the content inline/],
  ["an unknown field", { frobnicate: 1 }, "unknown_parameter", "frobnicate", /frobnicate/],
  ["a missing input", { input: undefined }, "invalid_value", "input", /.+/],
];

describe("POST /v1/responses refusals", () => {
  for (const [what, fields, code, param, message] of CASES) {
    it(`${what} → 400 ${code}, nothing sent upstream`, async () => {
      const marker = tag();
      const res = await responses(customer.key, { model, input: marker, ...fields, metadata: { marker } });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as ErrorBody;
      expect(error).toMatchObject({ type: "invalid_request_error", code, param });
      expect(error.message).toMatch(message);
      expect(await upstreamRequests(marker)).toHaveLength(0);
    });
  }

  it("store, previous_response_id null and background false are accepted (they ask for nothing stored)", async () => {
    const res = await responses(customer.key, { model, input: "hi", store: false, previous_response_id: null, background: false, include: ["reasoning.encrypted_content"], truncation: "disabled" });
    expect(res.status).toBe(200);
  });

  it("an unknown model is a 404 in OpenAI's shape", async () => {
    const res = await responses(customer.key, { model: "nope/nothing", input: "hi" });
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: "model_not_found", param: "model" });
  });

  it("a key without the inference scope is refused", async () => {
    const manageOnly = await newCustomer({ key: { scopes: ["manage"] } });
    const res = await responses(manageOnly.key, { model, input: "hi" });
    expect(res.status).toBe(403);
  });
});

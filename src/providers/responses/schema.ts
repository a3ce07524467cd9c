/**
 * The public request format of POST /v1/responses: OpenAI's Responses API,
 * stateless. What depends on state the router does not keep (stored
 * responses, conversations, background runs, item references) and what only
 * runs inside one provider (hosted tools) is refused with a 400 that says why,
 * rather than ignored. Unknown fields are rejected, as on chat completions.
 */
import { z } from "zod";
import { routingFields } from "../routing-fields";
import { jsonObject, SEND_INLINE } from "../schema-guards";

/** Most input items in one request (the chat core's bound on messages). */
export const MAX_RESPONSES_ITEMS = 2_048;
/** Most tools in one request, as chat completions. */
const MAX_RESPONSES_TOOLS = 128;

/** A shape the router recognises but refuses: a 400 with this code and message, naming the field. */
function refused<T extends string>(type: T, code: string, message: string) {
  return z
    .object({ type: z.literal(type) })
    .loose()
    .transform((_value, ctx): never => {
      ctx.addIssue({ code: "custom", message, params: { code } });
      return z.NEVER;
    });
}

const STATELESS = "the router stores no responses or items, so nothing can be referred to by id: send the earlier turns themselves as 'input' items";

const inputText = z.object({ type: z.literal("input_text"), text: z.string() }).strict();
const inputImage = z
  .object({
    type: z.literal("input_image"),
    image_url: z.string().min(1).nullable().optional(),
    file_id: z.string().nullable().optional(),
    detail: z.enum(["auto", "low", "high", "original"]).optional(),
  })
  .strict()
  .superRefine((part, ctx) => {
    if (part.file_id != null) ctx.addIssue({ code: "custom", path: ["file_id"], message: `file ids are not accepted: ${SEND_INLINE} as 'image_url' (a URL or a base64 data URL).`, params: { code: "unsupported_file_reference" } });
    else if (part.image_url == null) ctx.addIssue({ code: "custom", path: ["image_url"], message: "an input_image needs 'image_url'." });
  });
const inputFile = z
  .object({ type: z.literal("input_file"), file_data: z.string().min(1).optional(), filename: z.string().optional(), file_id: z.string().nullable().optional(), file_url: z.string().optional() })
  .strict()
  .superRefine((part, ctx) => {
    if (part.file_id != null || part.file_url !== undefined) ctx.addIssue({ code: "custom", path: [part.file_id != null ? "file_id" : "file_url"], message: `file references are not accepted: ${SEND_INLINE} as 'file_data' (a base64 data URL) with a 'filename'.`, params: { code: "unsupported_file_reference" } });
    else if (part.file_data === undefined) ctx.addIssue({ code: "custom", path: ["file_data"], message: "an input_file needs 'file_data' (a base64 data URL)." });
  });
const userPart = z.discriminatedUnion("type", [inputText, inputImage, inputFile]);

/**
 * The openai SDK's helpers add what they derived to the items they assemble
 * (`parsed` on output_text, `parsed_arguments` on function calls), and clients
 * send those items back as they are: accepted, and not sent on (dropped here,
 * so the native passthrough does not forward them: OpenAI answers a field it
 * does not know, inside an input item too, with a 400 "Unknown parameter").
 */
const sdkDerived = z.unknown().optional();

/** What an earlier answer's output_text part looks like when sent back (annotations and logprobs are output metadata). */
const outputText = z
  .object({ type: z.literal("output_text"), text: z.string(), annotations: z.array(z.unknown()).optional(), logprobs: z.array(z.unknown()).nullable().optional(), parsed: sdkDerived })
  .strict()
  .transform(({ parsed: _parsed, ...part }) => part);
const refusalPart = z.object({ type: z.literal("refusal"), refusal: z.string() }).strict();

const messageCommon = { type: z.literal("message"), id: z.string().optional(), status: z.enum(["in_progress", "completed", "incomplete"]).optional() };
const messageItem = z.discriminatedUnion("role", [
  z.object({ ...messageCommon, role: z.literal("user"), content: z.union([z.string(), z.array(userPart).min(1)]) }).strict(),
  z.object({ ...messageCommon, role: z.enum(["system", "developer"]), content: z.union([z.string(), z.array(inputText).min(1)]) }).strict(),
  z.object({ ...messageCommon, role: z.literal("assistant"), content: z.union([z.string(), z.array(z.discriminatedUnion("type", [outputText, refusalPart, inputText]))]) }).strict(),
]);

const itemStatus = z.enum(["in_progress", "completed", "incomplete"]).optional();
const functionCallItem = z
  .object({ type: z.literal("function_call"), id: z.string().optional(), call_id: z.string().min(1), name: z.string().min(1), arguments: z.string(), status: itemStatus, parsed_arguments: sdkDerived })
  .strict()
  .transform(({ parsed_arguments: _parsed, ...item }) => item);
const functionCallOutputItem = z
  .object({ type: z.literal("function_call_output"), id: z.string().nullable().optional(), call_id: z.string().min(1), output: z.union([z.string(), z.array(inputText).min(1)]), status: itemStatus.nullable() })
  .strict();
const reasoningItem = z
  .object({
    type: z.literal("reasoning"),
    id: z.string().optional(),
    summary: z.array(z.object({ type: z.literal("summary_text"), text: z.string() }).strict()),
    content: z.array(z.object({ type: z.literal("reasoning_text"), text: z.string() }).strict()).optional(),
    encrypted_content: z.string().nullable().optional(),
    status: itemStatus,
  })
  .strict();

const inputItem = z.preprocess(
  // The "easy" message form omits `type`; it means a message.
  (item) => (item !== null && typeof item === "object" && !Array.isArray(item) && !("type" in item) && "role" in item ? { ...item, type: "message" } : item),
  z.discriminatedUnion("type", [
    messageItem,
    functionCallItem,
    functionCallOutputItem,
    reasoningItem,
    refused("item_reference", "item_reference_not_supported", `item references are not accepted: ${STATELESS}.`),
  ]),
);

/** Tools that run inside one provider's platform; no route of this router runs them. */
const HOSTED_TOOL_TYPES = [
  "web_search", "web_search_preview", "web_search_2025_08_26", "web_search_preview_2025_03_11", "file_search", "code_interpreter",
  "computer", "computer_use", "computer_use_preview", "image_generation", "mcp", "local_shell", "shell", "apply_patch",
] as const;

const hostedTool = (type: string) =>
  refused(type, "unsupported_tool", `the hosted tool '${type}' is not supported: it runs inside one provider's platform and no route of this router runs it. Use function tools and run the tool in your application.`);

const functionTool = z
  .object({
    type: z.literal("function"),
    name: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, underscores or dashes"),
    description: z.string().nullable().optional(),
    parameters: jsonObject.nullable().optional(),
    strict: z.boolean().nullable().optional(),
  })
  .strict();

const tool = z.discriminatedUnion("type", [functionTool, ...HOSTED_TOOL_TYPES.map(hostedTool)] as unknown as [typeof functionTool]);

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), name: z.string() }).strict(),
]);

const textFormat = z.discriminatedUnion("type", [
  z.object({ type: z.literal("text") }).strict(),
  z.object({ type: z.literal("json_object") }).strict(),
  z.object({ type: z.literal("json_schema"), name: z.string(), description: z.string().optional(), schema: jsonObject, strict: z.boolean().nullable().optional() }).strict(),
]);

/** The one `include` value the router can honour (reasoning continuity without storage). */
const ENCRYPTED_REASONING = "reasoning.encrypted_content";

/** A field the router refuses, with why. */
const refusedField = (code: string, message: string) =>
  z.unknown().superRefine((value, ctx) => {
    if (value !== null && value !== false) ctx.addIssue({ code: "custom", message, params: { code } });
  }).optional();

export const responsesRequestSchema = z
  .object({
    model: z.string().min(1),
    input: z.union([z.string(), z.array(inputItem).min(1).max(MAX_RESPONSES_ITEMS)]),
    instructions: z.string().nullable().optional(),
    tools: z.array(tool).max(MAX_RESPONSES_TOOLS).optional(),
    tool_choice: toolChoice.optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    text: z.object({ format: textFormat.optional(), verbosity: z.enum(["low", "medium", "high"]).nullable().optional() }).strict().optional(),
    reasoning: z
      .object({ effort: z.enum(["none", "minimal", "low", "medium", "high", "xhigh"]).nullable().optional(), summary: z.enum(["auto", "concise", "detailed"]).nullable().optional() })
      .strict()
      .nullable()
      .optional(),
    max_output_tokens: z.number().int().positive().nullable().optional(),
    temperature: z.number().min(0).max(2).nullable().optional(),
    top_p: z.number().min(0).max(1).nullable().optional(),
    metadata: z.record(z.string().max(64), z.string().max(512)).nullable().optional(),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_obfuscation: z.boolean().optional() }).strict().nullable().optional(),
    /** Accepted so clients that set it work; the router keeps nothing and sends `store: false` upstream. */
    store: z.boolean().nullable().optional(),
    include: z
      .array(z.string())
      .nullable()
      .optional()
      .superRefine((values, ctx) => {
        const other = (values ?? []).find((v) => v !== ENCRYPTED_REASONING);
        if (other !== undefined) ctx.addIssue({ code: "custom", message: `'${other}' cannot be included: only '${ENCRYPTED_REASONING}' is supported (the others describe hosted tools or data this router does not produce).`, params: { code: "unsupported_include" } });
      }),
    user: z.string().optional(),
    safety_identifier: z.string().optional(),
    prompt_cache_key: z.string().optional(),
    service_tier: z.enum(["auto", "default", "flex", "priority", "scale"]).nullable().optional(),
    /** "auto" would drop turns from the start of the conversation; the router never edits a conversation. */
    truncation: z.enum(["disabled"], { error: "only 'disabled' is supported: the router does not truncate conversations; shorten 'input' yourself." }).nullable().optional(),
    previous_response_id: refusedField("previous_response_not_supported", `'previous_response_id' is not supported: ${STATELESS}.`),
    conversation: refusedField("conversation_not_supported", `conversations are not supported: ${STATELESS}.`),
    background: refusedField("background_not_supported", "background responses are not supported: the router keeps no response to poll; send the request with 'stream': true, or wait for it."),
    prompt: refusedField("prompt_template_not_supported", "stored prompt templates are not supported: they live in the operator's provider account; send 'instructions' and 'input' instead."),
    ...routingFields,
  })
  .strict();

export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
export type ResponsesInputItem = Exclude<ResponsesRequest["input"], string>[number];

/**
 * OpenAI chat completion (JSON) → Response object, for /v1/responses on routes
 * that do not speak the Responses API. Output order follows OpenAI's: the
 * reasoning item, the message, then the function calls.
 */
import { z } from "zod";
import { openAIUsageSchema, toUsage } from "../../providers/openai-compatible/usage";
import { functionCallItem, messageItem, reasoningItem, responseEnvelope, statusOf, type Json, type ResponseContext } from "./response-object";

const thinkingBlockSchema = z.union([
  z.object({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() }).loose(),
  z.object({ type: z.literal("redacted_thinking"), data: z.string() }).loose(),
]);

/** Google's OpenAI-format convention for a Gemini thought signature on a tool call. */
export const extraContentSchema = z.object({ google: z.object({ thought_signature: z.string().optional() }).loose().optional() }).loose().nullable().optional();

const completionSchema = z
  .object({
    choices: z
      .array(
        z
          .object({
            message: z
              .object({
                content: z.string().nullable().optional(),
                refusal: z.string().nullable().optional(),
                reasoning_content: z.string().nullable().optional(),
                thinking_blocks: z.array(thinkingBlockSchema).optional(),
                tool_calls: z.array(z.object({ id: z.string(), function: z.object({ name: z.string(), arguments: z.string() }).loose(), extra_content: extraContentSchema }).loose()).nullable().optional(),
              })
              .loose(),
            finish_reason: z.string().nullable(),
          })
          .loose(),
      )
      .min(1),
    usage: openAIUsageSchema.nullable().optional(),
  })
  .loose();

export function toResponseObject(completionJson: unknown, ctx: ResponseContext): Json {
  const completion = completionSchema.parse(completionJson);
  const choice = completion.choices[0]!;
  const { message } = choice;
  const { status, incomplete_details } = statusOf(choice.finish_reason);
  const calls = message.tool_calls ?? [];
  const thinking = (message.thinking_blocks ?? []).map((b) => (b.type === "thinking" ? { type: b.type, thinking: b.thinking, signature: b.signature } : { type: b.type, data: b.data }));
  const output: Json[] = [];
  if (message.reasoning_content || thinking.length > 0) output.push(reasoningItem(ctx, output.length, message.reasoning_content ?? "", thinking, {}));
  if (message.content || message.refusal) {
    const item = messageItem(ctx, output.length, message.content ?? "", status);
    if (message.refusal) item.content = [{ type: "refusal", refusal: message.refusal }];
    output.push(item);
  }
  for (const call of calls) {
    // A Gemini thought signature travels in a reasoning item right before its call (as in the stream).
    const signature = call.extra_content?.google?.thought_signature;
    if (signature) output.push(reasoningItem(ctx, output.length, "", [], { [call.id]: signature }));
    output.push(functionCallItem(ctx, output.length, { id: call.id, name: call.function.name, arguments: call.function.arguments }, "completed"));
  }
  const usage = completion.usage ? toUsage(completion.usage) : null;
  return responseEnvelope(ctx, { status, incomplete_details, output, usage, final: true });
}

/**
 * What an upstream generated in a stream, as text: content, reasoning,
 * refusals, tool names and arguments. Kept so that a stream the client
 * abandons before the provider's final usage can be billed for what was
 * produced; it is counted once, when such a stream ends, never per chunk. It
 * lives in memory only as long as the stream and is never stored or logged.
 */
export class GeneratedText {
  /** Joined runs of earlier deltas, and the latest deltas not yet joined. */
  private runs: string[] = [];
  private recent: string[] = [];

  add(text: unknown): void {
    if (typeof text !== "string" || text === "") return;
    this.recent.push(text);
    // A long stream is tens of thousands of tiny deltas: joined in runs, they
    // take one string per run, and nothing is copied twice.
    if (this.recent.length >= 256) {
      this.runs.push(this.recent.join(""));
      this.recent = [];
    }
  }

  text(): string {
    return this.runs.join("") + this.recent.join("");
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** Text parts of an OpenAI-format delta: a string, or (Mistral) an array of text / thinking chunks. */
function addContent(content: unknown, into: GeneratedText): void {
  if (typeof content === "string") return into.add(content);
  if (!Array.isArray(content)) return;
  for (const part of content) {
    if (!isObject(part)) continue;
    into.add(part.text);
    if (Array.isArray(part.thinking)) addContent(part.thinking, into);
  }
}

/** The generated text of one OpenAI-format chunk (already parsed JSON, any shape), all choices. */
export function addOpenAIChunk(chunk: unknown, into: GeneratedText): void {
  if (!isObject(chunk) || !Array.isArray(chunk.choices)) return;
  for (const choice of chunk.choices) {
    const delta = isObject(choice) ? choice.delta : undefined;
    if (!isObject(delta)) continue;
    addContent(delta.content, into);
    into.add(delta.reasoning_content);
    into.add(delta.refusal);
    if (!Array.isArray(delta.tool_calls)) continue;
    for (const call of delta.tool_calls) {
      const fn = isObject(call) ? call.function : undefined;
      if (isObject(fn)) {
        into.add(fn.name);
        into.add(fn.arguments);
      }
    }
  }
}

/** The generated text of one Anthropic stream event (already parsed JSON, any shape). */
export function addAnthropicEvent(event: unknown, into: GeneratedText): void {
  if (!isObject(event)) return;
  if (event.type === "content_block_delta" && isObject(event.delta)) {
    into.add(event.delta.text);
    into.add(event.delta.thinking);
    into.add(event.delta.partial_json);
  } else if (event.type === "content_block_start" && isObject(event.content_block)) {
    into.add(event.content_block.text);
    into.add(event.content_block.name);
  }
}

/**
 * The generated text of one Responses API stream event (already parsed JSON,
 * any shape): every text delta (output text, refusals, reasoning summaries
 * and text, function-call arguments, custom tool input, code) and the name
 * of a tool call as its item is added. `response.audio.delta` is audio
 * bytes in base64, not text, and is not counted.
 */
export function addResponsesEvent(event: unknown, into: GeneratedText): void {
  if (!isObject(event) || typeof event.type !== "string") return;
  if (event.type.endsWith(".delta") && event.type !== "response.audio.delta") into.add(event.delta);
  else if (event.type === "response.output_item.added" && isObject(event.item)) into.add(event.item.name);
}

/** OpenAI: the reference wire format, so the body passes through almost as sent. */
import { baseBody, createOpenAICompatibleProvider, timeoutFrom } from "./openai-compatible/adapter";

export const openai = createOpenAICompatibleProvider({
  id: "openai",
  label: "OpenAI",
  config: (env) => ({ baseUrl: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, timeoutMs: timeoutFrom(env) }),
  buildBody(request, upstreamModel) {
    const body = baseBody(request, upstreamModel);
    // Usage must always be known (limits, logs, billing): ask for it on every
    // stream; the relay hides the usage chunk again unless the client asked.
    if (request.stream) body.stream_options = { ...request.stream_options, include_usage: true };
    return body;
  },
  usageMode: "usage-chunk",
});

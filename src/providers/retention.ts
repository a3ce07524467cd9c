/**
 * What each provider keeps of the requests the router sends it, under its
 * standard API terms, with the source of each statement. The operator's own
 * contract may be better (zero data retention, modified abuse monitoring):
 * PROVIDER_RETENTION overrides an endpoint's entry, and a catalogue route may
 * carry its own (see retentionOf).
 */
import type { Retention } from "./types";

// TODO(helper: retention research): verify each against the provider's published terms.
export const STANDARD_RETENTION = {
  openai: { zdr: false, days: 30, purposes: ["abuse_monitoring"], source: "https://platform.openai.com/docs/guides/your-data" },
  openaiEu: { zdr: false, days: 30, purposes: ["abuse_monitoring"], source: "https://platform.openai.com/docs/guides/your-data" },
  azure: { zdr: false, days: 30, purposes: ["abuse_monitoring"], source: "https://learn.microsoft.com/en-us/azure/ai-foundry/responsible-ai/openai/data-privacy" },
  mistral: { zdr: false, days: 30, purposes: ["abuse_monitoring"], source: "https://mistral.ai/terms" },
  vertex: { zdr: false, days: 1, purposes: ["prompt_caching"], source: "https://cloud.google.com/vertex-ai/generative-ai/docs/vertex-ai-zero-data-retention" },
  anthropic: { zdr: false, days: 30, purposes: ["abuse_monitoring"], source: "https://privacy.anthropic.com" },
  gemini: { zdr: false, days: 55, purposes: ["abuse_monitoring"], source: "https://ai.google.dev/gemini-api/terms" },
} as const satisfies Record<string, Retention>;

/**
 * What each provider keeps of the requests the router sends it, under its
 * standard API terms, with the source of each statement. The operator's own
 * contract may be better (zero data retention, modified abuse monitoring):
 * PROVIDER_RETENTION overrides an endpoint's entry, and a catalogue route may
 * carry its own (see retentionOf in route-retention.ts).
 *
 * `days` is the longest a provider says it may keep prompts or outputs in
 * the normal course; every provider reserves longer retention where the law
 * requires it or a request is flagged for abuse (Anthropic: up to 2 years for
 * flagged inputs and outputs), which no number here can promise away. Where
 * the sources disagree or are silent, the longer value is used and the
 * comment says so.
 */
import { z } from "zod";
import type { Retention } from "./types";

/** One Retention, as an operator writes it (PROVIDER_RETENTION, a catalogue route). */
export const retentionSchema = z
  .object({
    zdr: z.boolean(),
    days: z.number().int().min(0).max(3650),
    purposes: z.array(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/)).max(8),
    source: z.string().min(1).max(300),
  })
  .strict()
  .refine((r) => !r.zdr || r.days === 0, { message: "zero data retention keeps nothing: days must be 0", path: ["days"] });

export const STANDARD_RETENTION = {
  // OpenAI "Data controls in the OpenAI platform" (developers.openai.com/api/docs/guides/your-data):
  // "abuse monitoring logs are generated for all API feature usage and retained
  // for up to 30 days"; excluding customer content needs prior approval (Zero
  // Data Retention or Modified Abuse Monitoring). "Prompt caching" guide: for
  // gpt-5.5 "and future models, only 24h is supported" (extended prompt
  // caching, key/value tensors offloaded to GPU-local storage), so the GPT-6
  // lineup keeps a cached prefix up to a day.
  openai: { zdr: false, days: 30, purposes: ["abuse_monitoring", "prompt_caching"], source: "https://developers.openai.com/api/docs/guides/your-data" },
  // eu.api.openai.com: the "Data residency" guide (developers.openai.com/api/docs/guides/data-residency)
  // stores customer content at rest in the EU and runs inference there; it
  // names no retention of its own, so the your-data terms above apply.
  // OpenAI's announcements say more: "API requests initiated through these
  // Projects will be handled in-region by OpenAI with zero data retention"
  // (openai.com/index/introducing-data-residency-in-europe, 2025-02-05), and
  // the later expansion gives regional residency to customers "approved for
  // advanced data controls", whose requests "are not stored at rest". Whether
  // a project has zero retention depends on that approval, which the router
  // cannot see: the longer standard value stays, and an operator whose EU
  // project is approved says so in PROVIDER_RETENTION.
  openaiEu: { zdr: false, days: 30, purposes: ["abuse_monitoring", "prompt_caching"], source: "https://developers.openai.com/api/docs/guides/data-residency" },
  // Microsoft "Data, privacy, and security for Azure Direct Models in Azure AI
  // Foundry" (learn.microsoft.com/legal/cognitive-services/openai/data-privacy)
  // and "Abuse monitoring": prompts and completions may be stored up to 30
  // days for abuse monitoring, in the resource's geography, unless Microsoft
  // approves modified abuse monitoring (an application, not a setting).
  // Prompt caching keeps computed prefixes (in memory, cleared within an hour;
  // the extended policy keeps them longer), which the 30 days cover.
  azure: { zdr: false, days: 30, purposes: ["abuse_monitoring", "prompt_caching"], source: "https://learn.microsoft.com/en-us/azure/foundry/openai/concepts/abuse-monitoring" },
  // Mistral's privacy terms: API inputs and outputs are kept 30 days after
  // generation for abuse monitoring unless zero data retention is active;
  // "Zero data retention" (docs.mistral.ai/admin/monitor-comply/zero-data-retention):
  // on request per Organization, for stateless calls including /v1/chat/completions.
  mistral: { zdr: false, days: 30, purposes: ["abuse_monitoring"], source: "https://docs.mistral.ai/admin/monitor-comply/zero-data-retention" },
  // Vertex AI ("Gemini Enterprise Agent Platform and zero data retention",
  // docs.cloud.google.com/gemini-enterprise-agent-platform/resources/zero-data-retention):
  // Google may log prompts for abuse monitoring (Cloud ToS section 4.3) unless
  // the customer is granted an exception; implicit caching is on by default
  // in the project's region, in memory and on durable storage, and "cached
  // prefixes expire within 24 hours" ("Context caching overview"); it can be
  // turned off per project. The page gives no period for the abuse logs: the
  // one period Google states for Gemini abuse logs, the Gemini API's 55 days,
  // is used as the conservative bound. Claude on Vertex is the "Google
  // managed" offering, where Google is the processor (Anthropic's "API and
  // data retention" page), so the same terms apply.
  vertex: {
    zdr: false,
    days: 55,
    purposes: ["abuse_monitoring", "prompt_caching"],
    source: "https://docs.cloud.google.com/gemini-enterprise-agent-platform/resources/zero-data-retention",
  },
  // Anthropic "How long do you store my organization's data?" (privacy.anthropic.com):
  // API inputs and outputs are deleted "within 30 days of receipt or
  // generation" unless a zero-retention agreement says otherwise. Third
  // parties report a cut to 7 days from 2025-09-15; Anthropic's own article,
  // as stored, still says 30, which is kept. Prompt caching keeps prefixes for
  // their TTL (5 minutes or 1 hour).
  anthropic: { zdr: false, days: 30, purposes: ["abuse_monitoring", "prompt_caching"], source: "https://privacy.anthropic.com/en/articles/7996866-how-long-do-you-store-personal-data" },
  // Gemini API paid tier, "Additional usage policies" (ai.google.dev/gemini-api/docs/usage-policies):
  // "Google retains the following data for fifty-five (55) days": prompts,
  // contextual information and output. Zero retention on approval per project
  // ("Zero data retention", ai.google.dev/gemini-api/docs/zdr).
  gemini: { zdr: false, days: 55, purposes: ["abuse_monitoring"], source: "https://ai.google.dev/gemini-api/docs/usage-policies" },
} as const satisfies Record<string, Retention>;

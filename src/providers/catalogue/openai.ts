/**
 * OpenAI. Current lineup ("Models" page, after the 2026-11-17 release of
 * GPT-6.2): GPT-6.2 Astra, GPT-6.2 Sol, GPT-6.1 Terra, GPT-6 Luna. Every GPT-6
 * model has a 1,050,000-token window (922,000 in, 128,000 out) and, per each
 * model page, "for requests with more than 272K input tokens, input and cache
 * rates double and output costs 1.5 times the short-context rate for the full
 * request": 272K read as 272,000, as the trackers that bill it do.
 *
 * EU routes:
 * - `openai-eu` (eu.api.openai.com, a project with European data residency).
 *   OpenAI's "Data residency" guide: "Data residency endpoints are charged a
 *   10% uplift for models released on or after March 5, 2026, that are
 *   eligible for data residency"; a model the guide's table does not list
 *   for regional processing "may" be processed and stored temporarily
 *   outside the region, so only a model shown to have regional processing
 *   gets the route. The stored copy of the guide has no readable model
 *   table; its per-request example sends gpt-6.1-terra to the regional
 *   hosts, so Terra has the route. Astra, Sol, Luna and the deprecated models
 *   have none until the table is checked (an operator can add it with a
 *   catalogue update).
 * - `azure-eu` (an Azure OpenAI resource in an EU member state with
 *   DataZoneStandard deployments): the models Microsoft's Data Zone Standard
 *   availability matrix (azure-ai-docs, model-matrix/datazone-standard.md)
 *   marks in EU regions (swedencentral, francecentral, germanywestcentral, ...):
 *   gpt-4o-mini, gpt-4.1, gpt-4.1-mini. No GPT-6 model is in that matrix.
 *   upstreamModel is the OpenAI model name; AZURE_OPENAI_EU_DEPLOYMENTS maps
 *   it to the operator's deployment. Data Zone meters list above Global:
 *   the prices below are Azure's Data Zone rates for these models, 10% above
 *   Global (Azure's pricing page was not among the stored copies; the
 *   azure-genai-prices package, which reads Azure's retail price list, puts
 *   Data Zone at 10-20% above Global: check against the price list).
 */
import type { ModelSpec } from "../model-spec";

export const OPENAI_MODELS: readonly ModelSpec[] = [
  {
    id: "openai/gpt-6.2-astra",
    provider: "openai",
    name: "GPT-6.2 Astra",
    // "Models" page: 8 / 40, 128K out, 1.05M window. The cached price (0.40) is
    // from third-party trackers (TokenMeter, AgentCompass release notes), not a
    // stored copy of OpenAI's GPT-6.2 Astra page; the 272K rule is OpenAI's
    // for every GPT-6 model.
    contextLength: 1_050_000,
    maxOutputTokens: 128_000,
    routes: [
      {
        endpoint: "openai",
        upstreamModel: "gpt-6.2-astra",
        region: "us",
        pricing: {
          prompt: 8,
          completion: 40,
          cachedPrompt: 0.4,
          longContext: { aboveTokens: 272_000, prompt: 16, completion: 60, cachedPrompt: 0.8 },
        },
      },
    ],
  },
  {
    id: "openai/gpt-6.2-sol",
    provider: "openai",
    name: "GPT-6.2 Sol",
    // "GPT-6.2 Sol" model page: 1,050,000 / 128,000; 2 / 10, cached 0.10.
    contextLength: 1_050_000,
    maxOutputTokens: 128_000,
    routes: [
      {
        endpoint: "openai",
        upstreamModel: "gpt-6.2-sol",
        region: "us",
        pricing: {
          prompt: 2,
          completion: 10,
          cachedPrompt: 0.1,
          longContext: { aboveTokens: 272_000, prompt: 4, completion: 15, cachedPrompt: 0.2 },
        },
      },
    ],
  },
  {
    id: "openai/gpt-6.1-terra",
    provider: "openai",
    name: "GPT-6.1 Terra",
    // "Models" page: 1 / 5, 128K out, 1.05M window. Cached 0.05 and the
    // long-context rates (2 / 7.50 / 0.10) as LiteLLM's launch note lists them
    // (OpenAI's GPT-6.1 Terra page was not among the stored copies).
    contextLength: 1_050_000,
    maxOutputTokens: 128_000,
    routes: [
      // Global prices plus OpenAI's 10% data residency uplift (released after 2026-03-05).
      {
        endpoint: "openai-eu",
        upstreamModel: "gpt-6.1-terra",
        region: "eu",
        pricing: {
          prompt: 1.1,
          completion: 5.5,
          cachedPrompt: 0.055,
          longContext: { aboveTokens: 272_000, prompt: 2.2, completion: 8.25, cachedPrompt: 0.11 },
        },
      },
      {
        endpoint: "openai",
        upstreamModel: "gpt-6.1-terra",
        region: "us",
        pricing: {
          prompt: 1,
          completion: 5,
          cachedPrompt: 0.05,
          longContext: { aboveTokens: 272_000, prompt: 2, completion: 7.5, cachedPrompt: 0.1 },
        },
      },
    ],
  },
  {
    id: "openai/gpt-6-luna",
    provider: "openai",
    name: "GPT-6 Luna",
    // "GPT-6 Luna" model page: 1,050,000 / 128,000; 0.10 / 0.50, cached 0.01.
    // Chat Completions takes function calling only with reasoning_effort "none"
    // (same page).
    contextLength: 1_050_000,
    maxOutputTokens: 128_000,
    routes: [
      {
        endpoint: "openai",
        upstreamModel: "gpt-6-luna",
        region: "us",
        pricing: {
          prompt: 0.1,
          completion: 0.5,
          cachedPrompt: 0.01,
          longContext: { aboveTokens: 272_000, prompt: 0.2, completion: 0.75, cachedPrompt: 0.02 },
        },
      },
    ],
  },
  // Deprecated, still served until their shutdown on 2027-01-14 (OpenAI
  // "Deprecations" page, notice of 2026-10-14; replacement gpt-6-luna): remove
  // these three entries by then. Limits and prices as OpenAI published them at
  // launch; no stored copy of their model pages was re-read.
  {
    id: "openai/gpt-4o-mini",
    provider: "openai",
    name: "GPT-4o mini",
    contextLength: 128_000,
    maxOutputTokens: 16_384,
    routes: [
      {
        endpoint: "azure-eu",
        upstreamModel: "gpt-4o-mini",
        region: "eu",
        pricing: { prompt: 0.165, completion: 0.66, cachedPrompt: 0.083 },
      },
      {
        endpoint: "openai",
        upstreamModel: "gpt-4o-mini",
        region: "us",
        pricing: { prompt: 0.15, completion: 0.6, cachedPrompt: 0.075 },
      },
    ],
  },
  {
    id: "openai/gpt-4.1",
    provider: "openai",
    name: "GPT-4.1",
    contextLength: 1_047_576,
    maxOutputTokens: 32_768,
    routes: [
      {
        endpoint: "azure-eu",
        upstreamModel: "gpt-4.1",
        region: "eu",
        pricing: { prompt: 2.2, completion: 8.8, cachedPrompt: 0.55 },
      },
      {
        endpoint: "openai",
        upstreamModel: "gpt-4.1",
        region: "us",
        pricing: { prompt: 2, completion: 8, cachedPrompt: 0.5 },
      },
    ],
  },
  {
    id: "openai/gpt-4.1-mini",
    provider: "openai",
    name: "GPT-4.1 mini",
    contextLength: 1_047_576,
    maxOutputTokens: 32_768,
    routes: [
      {
        endpoint: "azure-eu",
        upstreamModel: "gpt-4.1-mini",
        region: "eu",
        pricing: { prompt: 0.44, completion: 1.76, cachedPrompt: 0.11 },
      },
      {
        endpoint: "openai",
        upstreamModel: "gpt-4.1-mini",
        region: "us",
        pricing: { prompt: 0.4, completion: 1.6, cachedPrompt: 0.1 },
      },
    ],
  },
];

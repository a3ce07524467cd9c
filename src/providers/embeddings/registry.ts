/**
 * The embedding capability of each wire format that has one (beside its chat
 * adapter in ../registry.ts). Anthropic's format has none: Anthropic
 * publishes no embedding model, and Claude on Vertex AI is chat only.
 */
import type { WireFormat } from "../types";
import { geminiEmbedder, vertexEmbedder } from "./google";
import { azureEmbedder, mistralEmbedder, openAIEmbedder } from "./openai-compatible";
import type { Embedder } from "./types";

export const EMBEDDERS: Readonly<Partial<Record<WireFormat, Embedder>>> = {
  openai: openAIEmbedder,
  "azure-openai": azureEmbedder,
  mistral: mistralEmbedder,
  gemini: geminiEmbedder,
  vertex: vertexEmbedder,
};

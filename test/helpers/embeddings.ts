/** Calling POST /v1/embeddings from tests, and what its answers hold. */
import { direct } from "./catalogue";

export interface EmbeddingList {
  object: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number };
}

/** Env overrides that make the EU endpoints the seed catalogue names usable against the fake. */
export const EU_ENDPOINTS: Partial<Env> = {
  AZURE_OPENAI_EU_API_KEY: "azure-test-key",
  AZURE_OPENAI_EU_DEPLOYMENTS: "text-embedding-3-large",
  VERTEX_EU_PROJECT: "emby-test",
  OPENAI_EU_API_KEY: "sk-router-openai-eu-credential",
};

export const embeddingsInit = (key: string, body: unknown): RequestInit => ({
  method: "POST",
  headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
  body: JSON.stringify(body),
});

export function embed(key: string, body: unknown, overrides: Partial<Env> = EU_ENDPOINTS) {
  return direct("/v1/embeddings", embeddingsInit(key, body), overrides);
}

/** A base64 embedding as OpenAI's SDKs read it: little-endian float32 values. */
export function decodeBase64(value: string): number[] {
  const bytes = Uint8Array.from(atob(value), (ch) => ch.charCodeAt(0));
  const view = new DataView(bytes.buffer);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getFloat32(i * 4, true));
}

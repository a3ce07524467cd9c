/**
 * The answer of POST /v1/embeddings, in OpenAI's shape whatever the route:
 * `{object: "list", data: [{object: "embedding", index, embedding}], model,
 * usage: {prompt_tokens, total_tokens}}`, `model` being the catalogue id.
 * With `encoding_format: "base64"` each embedding is the base64 of its
 * float32 values in little-endian byte order, as OpenAI sends it (its SDKs
 * decode it so).
 */

/** A vector as OpenAI's base64 encoding: little-endian float32 bytes. */
export function float32Base64(vector: readonly number[]): string {
  const bytes = new Uint8Array(vector.length * 4);
  const view = new DataView(bytes.buffer);
  vector.forEach((v, i) => view.setFloat32(i * 4, v, true));
  let binary = "";
  // In slices: String.fromCharCode takes its bytes as arguments, which are bounded.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function embeddingsResponse(vectors: readonly number[][], model: string, promptTokens: number, encoding: "float" | "base64") {
  return {
    object: "list" as const,
    data: vectors.map((vector, index) => ({ object: "embedding" as const, index, embedding: encoding === "base64" ? float32Base64(vector) : vector })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}

/**
 * The fake upstream's embeddings: a deterministic vector per text (a hash of
 * it, spread by xorshift), so a test can compute what each input's vector
 * must be. Values are multiples of 1/1024 in [-1, 1]: exact in float32, so a
 * base64 (float32) answer decodes to exactly the float one.
 * No Node imports: tests inside workerd import it too.
 */
export function fakeVector(text: string, dimensions: number): number[] {
  let x = 2166136261;
  for (let i = 0; i < text.length; i++) x = Math.imul(x ^ text.charCodeAt(i), 16777619) >>> 0;
  x ||= 1;
  const out: number[] = new Array(dimensions);
  for (let i = 0; i < dimensions; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out[i] = ((x % 2049) - 1024) / 1024;
  }
  return out;
}

/** A model's own vector size, as its provider documents it (the deployment name, on Azure). */
export function defaultDimensions(model: string): number {
  if (model.includes("3-large") || model.includes("gemini-embedding")) return 3072;
  if (model.includes("3-small")) return 1536;
  if (model.includes("mistral-embed")) return 1024;
  return 768;
}

/** The fake's token count of a text (scenario.ts's countTokens). */
export const fakeTokens = (text: string): number => Math.max(1, Math.ceil(text.length / 4));

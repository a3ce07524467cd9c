/**
 * The embedding capability of a wire format, beside its chat adapter
 * (registry.ts): texts in, one vector of floats per text out, in order.
 * Adapters always ask their provider for floats; base64 is the router's
 * encoding of them (response.ts), whatever the route.
 */
import type { ProviderConfig, Route } from "../types";

/** One attempt to embed a request's texts on one route. */
export interface EmbedCall {
  inputs: readonly string[];
  /** Fewer dimensions than the model's own; null for the model's own. */
  dimensions: number | null;
  /** The client's end-user id, for providers that take one. */
  user: string | undefined;
  route: Route;
  config: ProviderConfig;
  /** The endpoint's name in error messages. */
  label: string;
  requestId: string;
  clientSignal: AbortSignal;
}

export interface Embeddings {
  /** One vector per input, in the inputs' order. */
  vectors: number[][];
  /** Input tokens as the provider reported them; null when it reports none (the router counts them then). */
  promptTokens: number | null;
  /** ms since epoch of the first byte received from upstream. */
  firstByteAt: number;
}

/** Resolves once every vector has arrived; throws the router's ApiError otherwise. */
export interface Embedder {
  embed(call: EmbedCall): Promise<Embeddings>;
}

/**
 * Vertex AI's resource paths for publisher models (Google's Gemini, Anthropic's
 * Claude). A route on a Vertex endpoint names its publisher in its upstream
 * model ("google/gemini-2.5-flash", "anthropic/claude-sonnet-4-5@20250929");
 * the project and location are the operator's configuration.
 */
import { errors } from "../../shared/errors";
import type { ProviderConfig } from "../types";

type VertexPublisher = "google" | "anthropic";
/** generateContent and streamGenerateContent for Gemini; rawPredict and streamRawPredict for Claude; predict for Google's embedding models. */
export type VertexMethod = "generateContent" | "streamGenerateContent" | "rawPredict" | "streamRawPredict" | "predict";

export interface PublisherModel {
  publisher: VertexPublisher;
  /** The model's name at its publisher, e.g. "gemini-2.5-flash" or "claude-sonnet-4-5@20250929". */
  model: string;
}

const PUBLISHER_MODEL = /^(google|anthropic)\/([A-Za-z0-9._:@-]+)$/;

/** The publisher and model a Vertex route names, or null when it names none (model-spec refuses such a route). */
export function publisherModel(upstreamModel: string): PublisherModel | null {
  const match = PUBLISHER_MODEL.exec(upstreamModel);
  return match ? { publisher: match[1] as VertexPublisher, model: match[2]! } : null;
}

/**
 * Path segments are catalogue and operator data, encoded anyway; "@" is left
 * as is: RFC 3986 allows it in a path segment, and Claude's Vertex model ids
 * carry their version after it (Anthropic's Vertex SDK sends it unencoded).
 */
const segment = (value: string) => encodeURIComponent(value).replaceAll("%40", "@");

/**
 * `/v1/projects/{project}/locations/{location}/publishers/{publisher}/models/{model}:{method}`,
 * below the endpoint's base URL (aiplatform.eu.rep.googleapis.com for the
 * `eu` multi-region, {region}-aiplatform.googleapis.com for a region).
 * Streaming Gemini asks for SSE (`alt=sse`); Claude's stream is SSE already.
 */
export function vertexPath(config: ProviderConfig, { publisher, model }: PublisherModel, method: VertexMethod): string {
  if (!config.vertex) throw errors.upstream("Vertex AI is not configured on this router.", "provider_not_configured");
  const { project, location } = config.vertex;
  const path = `/v1/projects/${segment(project)}/locations/${segment(location)}/publishers/${publisher}/models/${segment(model)}:${method}`;
  return method === "streamGenerateContent" ? `${path}?alt=sse` : path;
}

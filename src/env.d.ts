/**
 * Secrets are not in wrangler.toml, so `wrangler types` cannot see them. They
 * are optional: a router without a provider's key answers 502 for its models.
 */
interface Env {
  ADMIN_TOKEN?: string;
  OPENAI_API_KEY?: string;
  ANTHROPIC_API_KEY?: string;
  GEMINI_API_KEY?: string;
  MISTRAL_API_KEY?: string;
  /** An API key of an OpenAI project created with European data residency. */
  OPENAI_EU_API_KEY?: string;
  AZURE_OPENAI_EU_API_KEY?: string;
  /** A Google Cloud service account key (its JSON file's content) with the Vertex AI User role. */
  VERTEX_SERVICE_ACCOUNT?: string;
}

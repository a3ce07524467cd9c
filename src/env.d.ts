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
}

/**
 * Azure OpenAI, v1 API (`https://{resource}.openai.azure.com/openai/v1`): the
 * OpenAI Chat Completions format with Azure's differences only. The model is
 * the operator's deployment name (ProviderConfig.deployment, from
 * AZURE_OPENAI_EU_DEPLOYMENTS), the key goes in an `api-key` header, and no
 * `api-version` is sent: the v1 GA API takes none ("API version lifecycle",
 * learn.microsoft.com; only preview features ask for `api-version=preview`).
 * Its content-filter annotations are removed (./content-filter.ts, and for
 * streams ./stream.ts) and its errors read in its own shape (./errors.ts).
 */
import { createOpenAICompatibleProvider } from "../openai-compatible/adapter";
import { openAIBody } from "../openai";
import { withoutFilterResults } from "./content-filter";
import { azureError } from "./errors";
import { azureStreamTranslator } from "./stream";

export const azureOpenAI = createOpenAICompatibleProvider({
  wire: "azure-openai",
  // The same body as OpenAI's; the base puts the deployment in `model`.
  buildBody: openAIBody,
  usageMode: "usage-chunk",
  authHeaders: (config) => ({ "api-key": config.apiKey ?? "" }),
  upstreamError: azureError,
  normalizeResponse: withoutFilterResults,
  streamTranslator: azureStreamTranslator,
});

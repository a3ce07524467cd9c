/** Azure OpenAI. TODO(helper: azure): thin adapter on the OpenAI-compatible base. */
import { errors } from "../shared/errors";
import type { ChatProvider } from "./types";

export const azureOpenAI: ChatProvider = {
  wire: "azure-openai",
  chat: () => Promise.reject(errors.upstream("Azure OpenAI is not implemented yet.", "provider_not_configured")),
};

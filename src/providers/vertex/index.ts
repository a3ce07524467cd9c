/** Vertex AI publisher models. TODO(helper: vertex): Gemini and Claude on Vertex. */
import { errors } from "../../shared/errors";
import type { ChatProvider } from "../types";

export const vertex: ChatProvider = {
  wire: "vertex",
  chat: () => Promise.reject(errors.upstream("Vertex AI is not implemented yet.", "provider_not_configured")),
};

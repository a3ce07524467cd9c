import { anthropic } from "./anthropic";
import { google } from "./google";
import { mistral } from "./mistral";
import { openai } from "./openai";
import type { ChatProvider, ProviderId } from "./types";

/** Every provider the router can call, by catalogue provider id. */
export const PROVIDERS: Readonly<Record<ProviderId, ChatProvider>> = { openai, mistral, anthropic, google };

import { anthropic } from "./anthropic";
import { google } from "./google";
import { mistral } from "./mistral";
import { openai } from "./openai";
import type { ChatProvider, WireFormat } from "./types";

/** The adapter of each wire format the router speaks; an endpoint names one (endpoints.ts). */
export const ADAPTERS: Readonly<Record<WireFormat, ChatProvider>> = { openai, mistral, anthropic, gemini: google };

import { anthropic } from "./anthropic";
import { azureOpenAI } from "./azure";
import { google } from "./google";
import { mistral } from "./mistral";
import { openai } from "./openai";
import type { ChatProvider, WireFormat } from "./types";
import { vertex } from "./vertex";

/** The adapter of each wire format the router speaks; an endpoint names one (endpoints.ts). */
export const ADAPTERS: Readonly<Record<WireFormat, ChatProvider>> = { openai, mistral, anthropic, gemini: google, "azure-openai": azureOpenAI, vertex };

import { ApiError } from "../shared/errors";
import type { ChatCompletionRequest } from "./chat-schema";

/** True when the client actually asked for something with this field. */
function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

/**
 * Answers 400 for a parameter the provider cannot honour, instead of dropping it
 * and letting the client believe it took effect.
 */
export function rejectUnsupported(
  request: ChatCompletionRequest,
  fields: readonly (keyof ChatCompletionRequest)[],
  providerLabel: string,
): void {
  for (const field of fields) {
    if (isSet(request[field])) {
      throw new ApiError(
        400,
        "invalid_request_error",
        "unsupported_parameter",
        `'${field}' is not supported by ${providerLabel} models.`,
        field,
      );
    }
  }
}

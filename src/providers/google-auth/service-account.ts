/**
 * The service account key (VERTEX_SERVICE_ACCOUNT): the JSON key file Google
 * Cloud gives for a service account, pasted whole as a secret. Only the
 * fields the JWT bearer grant needs are read; the file's other fields
 * (project_id, client_id, token_uri, ...) are ignored, and its token_uri in
 * particular never decides where the router connects (GOOGLE_TOKEN_URL does).
 */
import { z } from "zod";

export interface ServiceAccount {
  clientEmail: string;
  /** The key's id, sent as the JWT's `kid` so Google picks the right public key. */
  privateKeyId: string;
  /** PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), as Google's key files carry it. */
  privateKey: string;
}

const KEY_FILE = z.object({
  type: z.literal("service_account"),
  client_email: z.string().regex(/^[^\s@]+@[^\s@]+$/),
  private_key_id: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/),
  private_key: z.string().regex(/^\s*-----BEGIN PRIVATE KEY-----[A-Za-z0-9+/=\s]+-----END PRIVATE KEY-----\s*$/),
});

/**
 * The key file's fields, or the problem with it. The problem names the field
 * and what is wrong, never a value: the secret must not reach a log.
 */
export function parseServiceAccount(text: string): ServiceAccount | { problem: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { problem: "it is not JSON (expected the service account's key file content)" };
  }
  const parsed = KEY_FILE.safeParse(json);
  if (!parsed.success) {
    // A zod message can quote the value it rejected; the path and issue code cannot.
    return { problem: parsed.error.issues.map((i) => `${i.path.join(".") || "(the file)"}: ${i.code}`).join(", ") };
  }
  return { clientEmail: parsed.data.client_email, privateKeyId: parsed.data.private_key_id, privateKey: parsed.data.private_key };
}

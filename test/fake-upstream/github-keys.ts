/**
 * GitHub's secret scanning signing keys, played by the fake.
 *
 * `GET /github/meta/public_keys/secret_scanning` answers as
 * api.github.com/meta/public_keys/secret_scanning does:
 * `{"public_keys": [{"key_identifier", "key" (PEM SPKI), "is_current"}]}`.
 * The fake starts with two P-256 keys, an old one (`is_current: false`,
 * still listed, as during GitHub's rotations) and the current one.
 *
 * For tests (the private keys never leave the fake):
 * - `POST /github/__sign?key=current|previous|<identifier>` signs the raw
 *   request body as GitHub does (ECDSA P-256 SHA-256, DER, base64) and
 *   answers `{key_identifier, signature}`;
 * - `POST /github/__rotate` makes a new current key (the old current one
 *   stays listed, not current) and answers `{key_identifier}`;
 * - `GET /github/__stats` answers `{fetches}`: how many times the keys
 *   document was fetched.
 */
import { createHash, generateKeyPairSync, sign, type KeyObject } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

interface SigningKey {
  identifier: string;
  publicPem: string;
  privateKey: KeyObject;
}

function newKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  const der = publicKey.export({ type: "spki", format: "der" });
  // GitHub's identifiers are 64 hex digits; a hash of the key makes them stable and unique.
  return { identifier: createHash("sha256").update(der).digest("hex"), publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(), privateKey };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export interface GithubKeys {
  /** Answers a request under /github/; `body` is its body (UTF-8, as every test sends). */
  handle(req: IncomingMessage, res: ServerResponse, url: URL, body: string): void;
}

export function createGithubKeys(): GithubKeys {
  /** Oldest first; the last one is current. */
  const keys: SigningKey[] = [newKey(), newKey()];
  let fetches = 0;

  const pick = (which: string | null): SigningKey | undefined => {
    if (which === null || which === "current") return keys.at(-1);
    if (which === "previous") return keys.at(-2);
    return keys.find((k) => k.identifier === which);
  };

  return {
    handle(req, res, url, body) {
      if (req.method === "GET" && url.pathname === "/github/meta/public_keys/secret_scanning") {
        fetches++;
        const current = keys.at(-1);
        return json(res, 200, { public_keys: keys.map((k) => ({ key_identifier: k.identifier, key: k.publicPem, is_current: k === current })) });
      }
      if (req.method === "POST" && url.pathname === "/github/__sign") {
        const key = pick(url.searchParams.get("key"));
        if (!key) return json(res, 404, { error: "no such key" });
        return json(res, 200, { key_identifier: key.identifier, signature: sign("sha256", Buffer.from(body, "utf8"), key.privateKey).toString("base64") });
      }
      if (req.method === "POST" && url.pathname === "/github/__rotate") {
        const key = newKey();
        keys.push(key);
        return json(res, 200, { key_identifier: key.identifier });
      }
      if (req.method === "GET" && url.pathname === "/github/__stats") return json(res, 200, { fetches });
      return json(res, 404, { message: "Not Found" });
    },
  };
}

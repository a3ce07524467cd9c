/**
 * The signature GitHub's secret scanning puts on a report: ECDSA over NIST
 * P-256 with SHA-256, computed over the raw request body, sent base64 in
 * `Github-Public-Key-Signature` as an ASN.1 DER `SEQUENCE { r, s }`.
 * WebCrypto verifies ECDSA only in the IEEE P1363 form (r and s as two
 * 32-byte big-endian numbers), hence the conversion.
 */

const P256_SCALAR_BYTES = 32;
/** A DER P-256 signature is at most 72 bytes: 2 + 2 × (2 + 33). */
const MAX_DER_BYTES = 72;

/**
 * DER `SEQUENCE { INTEGER r, INTEGER s }` to r‖s (64 bytes), or null when the
 * bytes are not such a sequence of two integers that fit the curve's size.
 * Lengths are short-form only: nothing of this size needs the long form.
 */
export function derToP1363(der: Uint8Array): Uint8Array | null {
  if (der.length < 8 || der.length > MAX_DER_BYTES || der[0] !== 0x30 || der[1] !== der.length - 2) return null;
  const out = new Uint8Array(2 * P256_SCALAR_BYTES);
  let offset = 2;
  for (let i = 0; i < 2; i++) {
    if (der[offset] !== 0x02) return null;
    const length = der[offset + 1] ?? 0;
    const start = offset + 2;
    if (length < 1 || start + length > der.length) return null;
    let int = der.subarray(start, start + length);
    // A DER integer is signed: a leading 0x00 keeps a high first bit positive.
    while (int.length > 1 && int[0] === 0) int = int.subarray(1);
    if (int.length > P256_SCALAR_BYTES) return null;
    out.set(int, (i + 1) * P256_SCALAR_BYTES - int.length);
    offset = start + length;
  }
  return offset === der.length ? out : null;
}

/** Standard base64 to bytes, or null when it is not base64. */
export function base64ToBytes(text: string): Uint8Array | null {
  try {
    return Uint8Array.from(atob(text.trim()), (ch) => ch.charCodeAt(0));
  } catch {
    return null;
  }
}

/** A PEM `PUBLIC KEY` (SubjectPublicKeyInfo) as a WebCrypto P-256 verification key. */
export async function importP256PublicKey(pem: string): Promise<CryptoKey> {
  const body = pem.replace(/-----(BEGIN|END) PUBLIC KEY-----/g, "").replace(/\s+/g, "");
  const der = base64ToBytes(body);
  if (!der) throw new Error("public key is not base64");
  return crypto.subtle.importKey("spki", der, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
}

/** Whether `signatureBase64` (DER, base64) is the key's signature over `body`. */
export async function verifyEcdsaP256(key: CryptoKey, signatureBase64: string, body: Uint8Array): Promise<boolean> {
  const der = base64ToBytes(signatureBase64);
  const raw = der && derToP1363(der);
  if (!raw) return false;
  return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, raw, body);
}

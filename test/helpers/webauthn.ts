/**
 * A software authenticator for tests: real WebAuthn responses made with
 * WebCrypto (an ES256 key pair), as a browser and a platform authenticator
 * would send them through @simplewebauthn/browser. Registration uses "none"
 * attestation; the few CBOR items it needs are encoded by hand.
 */

const enc = new TextEncoder();

export function b64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const sha256 = async (data: Uint8Array | string) => new Uint8Array(await crypto.subtle.digest("SHA-256", typeof data === "string" ? enc.encode(data) : data));

/** CBOR head: major type and length (lengths below 65536 suffice here). */
function cborHead(major: number, length: number): Uint8Array {
  const m = major << 5;
  if (length < 24) return Uint8Array.of(m | length);
  if (length < 256) return Uint8Array.of(m | 24, length);
  return Uint8Array.of(m | 25, length >> 8, length & 0xff);
}
const cborBytes = (b: Uint8Array) => concat(cborHead(2, b.length), b);
const cborText = (s: string) => concat(cborHead(3, enc.encode(s).length), enc.encode(s));

function u32(n: number): Uint8Array {
  return Uint8Array.of((n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/** ECDSA's raw r||s as the DER SEQUENCE WebAuthn carries. */
function derSignature(raw: Uint8Array): Uint8Array {
  const int = (b: Uint8Array) => {
    let i = 0;
    while (i < b.length - 1 && b[i] === 0) i++;
    let v = b.slice(i);
    if (v[0]! & 0x80) v = concat(Uint8Array.of(0), v);
    return concat(Uint8Array.of(0x02, v.length), v);
  };
  const body = concat(int(raw.slice(0, 32)), int(raw.slice(32)));
  return concat(Uint8Array.of(0x30, body.length), body);
}

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_AT = 0x40;

export interface Ceremony {
  /** The page's origin as the browser saw it (clientDataJSON.origin). */
  origin?: string;
  rpId?: string;
  /** The user handle an assertion gives, instead of the one registered. */
  userHandle?: string;
  /** False: the authenticator did not verify its user (no UV flag), as a bare security key without PIN. */
  userVerified?: boolean;
}

const flags = (ceremony: Ceremony, more = 0) => Uint8Array.of(FLAG_UP | (ceremony.userVerified === false ? 0 : FLAG_UV) | more);

export class SoftAuthenticator {
  readonly credentialId = crypto.getRandomValues(new Uint8Array(32));
  counter = 0;
  private keys!: CryptoKeyPair;
  /** The WebAuthn user id the relying party gave at registration (returned as userHandle). */
  private userHandle: string | undefined;

  static async create(): Promise<SoftAuthenticator> {
    const a = new SoftAuthenticator();
    a.keys = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
    return a;
  }

  get id(): string {
    return b64url(this.credentialId);
  }

  private async coseKey(): Promise<Uint8Array> {
    const raw = new Uint8Array((await crypto.subtle.exportKey("raw", this.keys.publicKey)) as ArrayBuffer);
    // {1: 2 (EC2), 3: -7 (ES256), -1: 1 (P-256), -2: x, -3: y}
    return concat(Uint8Array.of(0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21), cborBytes(raw.slice(1, 33)), Uint8Array.of(0x22), cborBytes(raw.slice(33, 65)));
  }

  /** The answer to navigator.credentials.create() for these options (RegistrationResponseJSON). */
  async register(options: { challenge: string; rp: { id?: string }; user: { id: string } }, ceremony: Ceremony = {}) {
    this.userHandle = options.user.id;
    const rpId = ceremony.rpId ?? options.rp.id!;
    const clientDataJSON = enc.encode(JSON.stringify({ type: "webauthn.create", challenge: options.challenge, origin: ceremony.origin ?? "https://console.test", crossOrigin: false }));
    const authData = concat(
      await sha256(rpId),
      flags(ceremony, FLAG_AT),
      u32(this.counter),
      new Uint8Array(16),
      Uint8Array.of(this.credentialId.length >> 8, this.credentialId.length & 0xff),
      this.credentialId,
      await this.coseKey(),
    );
    const attestationObject = concat(Uint8Array.of(0xa3), cborText("fmt"), cborText("none"), cborText("attStmt"), Uint8Array.of(0xa0), cborText("authData"), cborBytes(authData));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: { clientDataJSON: b64url(clientDataJSON), attestationObject: b64url(attestationObject), transports: ["internal"] },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }

  /** The answer to navigator.credentials.get() (AuthenticationResponseJSON), signed; the counter goes up by one. */
  async assert(options: { challenge: string; rpId?: string }, ceremony: Ceremony = {}) {
    this.counter += 1;
    const rpId = ceremony.rpId ?? options.rpId!;
    const clientDataJSON = enc.encode(JSON.stringify({ type: "webauthn.get", challenge: options.challenge, origin: ceremony.origin ?? "https://console.test", crossOrigin: false }));
    const authenticatorData = concat(await sha256(rpId), flags(ceremony), u32(this.counter));
    const signed = concat(authenticatorData, await sha256(clientDataJSON));
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, signed));
    return {
      id: this.id,
      rawId: this.id,
      type: "public-key",
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authenticatorData),
        signature: b64url(derSignature(raw)),
        ...((ceremony.userHandle ?? this.userHandle) ? { userHandle: ceremony.userHandle ?? this.userHandle } : {}),
      },
      clientExtensionResults: {},
      authenticatorAttachment: "platform",
    };
  }
}

/**
 * GitHub's DER ECDSA signatures as WebCrypto verifies them: the DER → r‖s
 * conversion, including the short integers (leading zero bytes) that occur
 * in about one signature in 128 and so rarely in an end-to-end test.
 */
import { describe, expect, it } from "vitest";
import { derToP1363 } from "../src/router/secret-scanning/signature";

/** DER INTEGER of a 32-byte big-endian value: minimal, with a 0x00 before a high first bit. */
function derInteger(value: Uint8Array): number[] {
  let start = 0;
  while (start < value.length - 1 && value[start] === 0) start++;
  const bytes = [...value.subarray(start)];
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return [0x02, bytes.length, ...bytes];
}

function toDer(raw: Uint8Array): Uint8Array {
  const body = [...derInteger(raw.subarray(0, 32)), ...derInteger(raw.subarray(32))];
  return Uint8Array.from([0x30, body.length, ...body]);
}

describe("derToP1363", () => {
  it("gives back r‖s for high, short and ordinary integers", () => {
    const cases = [new Uint8Array(64).fill(0xff), Uint8Array.from({ length: 64 }, (_, i) => (i < 3 || (i >= 32 && i < 34) ? 0 : i)), crypto.getRandomValues(new Uint8Array(64))];
    for (const raw of cases) expect(derToP1363(toDer(raw))).toEqual(raw);
  });

  it("verifies a WebCrypto signature once turned into DER and back", async () => {
    const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"])) as CryptoKeyPair;
    const body = new TextEncoder().encode('[{"token":"x"}]');
    const raw = new Uint8Array(await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, pair.privateKey, body));
    const back = derToP1363(toDer(raw))!;
    expect(await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pair.publicKey, back, body)).toBe(true);
  });

  it("refuses what is not a SEQUENCE of two integers that fit P-256", () => {
    const good = toDer(new Uint8Array(64).fill(1));
    expect(derToP1363(good.subarray(0, good.length - 1))).toBeNull(); // truncated
    expect(derToP1363(Uint8Array.from([0x31, ...good.subarray(1)]))).toBeNull(); // not a SEQUENCE
    expect(derToP1363(Uint8Array.from([0x30, good.length + 1, ...good.subarray(2), 0]))).toBeNull(); // trailing byte
    const long = [0x02, 33, 1, ...new Array(32).fill(1)];
    expect(derToP1363(Uint8Array.from([0x30, long.length * 2, ...long, ...long]))).toBeNull(); // 33 significant bytes
  });
});

import { describe, expect, it } from "vitest";
import { base62Checksum, crc32, generateApiKey, hasValidKeyFormat, KEY_LENGTH } from "../src/shared/api-key";

describe("API key format", () => {
  it("computes the standard CRC-32 check value", () => {
    expect(crc32("123456789")).toBe(0xcbf43926);
    expect(crc32("")).toBe(0);
  });

  it("encodes the checksum as exactly six base62 characters", () => {
    expect(base62Checksum(0)).toBe("000000");
    expect(base62Checksum(0xffffffff)).toMatch(/^[0-9A-Za-z]{6}$/);
    expect(base62Checksum(61)).toBe("00000z");
    expect(base62Checksum(62)).toBe("000010");
  });

  it("generates emby_sk_ + 32 base62 + 6-char checksum keys that validate", () => {
    const key = generateApiKey();
    expect(key).toMatch(/^emby_sk_[0-9A-Za-z]{38}$/);
    expect(key).toHaveLength(KEY_LENGTH);
    const random = key.slice(8, 40);
    expect(key.slice(40)).toBe(base62Checksum(crc32(random)));
    expect(hasValidKeyFormat(key)).toBe(true);
  });

  it("generates distinct keys", () => {
    const keys = new Set(Array.from({ length: 200 }, generateApiKey));
    expect(keys.size).toBe(200);
  });

  it("rejects a key whose checksum does not match", () => {
    const key = generateApiKey();
    const flipped = key.slice(0, 20) + (key[20] === "a" ? "b" : "a") + key.slice(21);
    expect(hasValidKeyFormat(flipped)).toBe(false);
    const badChecksum = key.slice(0, -1) + (key.endsWith("0") ? "1" : "0");
    expect(hasValidKeyFormat(badChecksum)).toBe(false);
  });

  it("rejects wrong prefix, length and alphabet", () => {
    const key = generateApiKey();
    expect(hasValidKeyFormat(key.replace("emby_sk_", "emby_pk_"))).toBe(false);
    expect(hasValidKeyFormat(key + "0")).toBe(false);
    expect(hasValidKeyFormat(key.slice(0, -1))).toBe(false);
    expect(hasValidKeyFormat(key.slice(0, 10) + "-" + key.slice(11))).toBe(false);
    expect(hasValidKeyFormat("")).toBe(false);
  });
});

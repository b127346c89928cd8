import { createHash } from 'node:crypto';

/** First bytes of every feature cache entry (format 1). */
const magic = 'GRAFTFV1';
/** magic (8) + float count (4) + reserved (4) + sha256 of the key (32) + sha256 of the payload (32). */
export const featureEntryHeaderBytes = 80;

/**
 * One cached feature vector as a file: a header naming the format, the vector's length, the
 * SHA-256 of its key and of its payload, then the little-endian float32 values. The two
 * digests make a truncated, bit-flipped or misplaced file detectable, so a damaged entry is a
 * miss and never wrong features.
 */
export function encodeFeatureEntry(keyDigest: Uint8Array, features: Float32Array): Uint8Array {
  const payload = new Uint8Array(features.buffer, features.byteOffset, features.byteLength);
  const bytes = new Uint8Array(featureEntryHeaderBytes + payload.byteLength);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(magic), 0);
  view.setUint32(8, features.length, true);
  bytes.set(keyDigest.subarray(0, 32), 16);
  bytes.set(createHash('sha256').update(payload).digest(), 48);
  bytes.set(payload, featureEntryHeaderBytes);
  return bytes;
}

/** What {@link decodeFeatureEntry} found: the features, or why the file is not a valid entry. */
export type DecodedFeatureEntry =
  | { ok: true; features: Float32Array }
  | { ok: false; problem: string };

/** Reads an entry written by {@link encodeFeatureEntry} for the key whose digest is `keyDigest`. */
export function decodeFeatureEntry(bytes: Uint8Array, keyDigest: Uint8Array): DecodedFeatureEntry {
  if (bytes.byteLength < featureEntryHeaderBytes) {
    return { ok: false, problem: `${bytes.byteLength} bytes, shorter than the header` };
  }
  if (new TextDecoder().decode(bytes.subarray(0, 8)) !== magic) {
    return { ok: false, problem: 'not a graft feature entry (no GRAFTFV1 header)' };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint32(8, true);
  const expected = featureEntryHeaderBytes + count * 4;
  if (bytes.byteLength !== expected) {
    return {
      ok: false,
      problem: `${bytes.byteLength} bytes where ${count} features need ${expected} (truncated or appended)`,
    };
  }
  if (!equalBytes(bytes.subarray(16, 48), keyDigest.subarray(0, 32))) {
    return { ok: false, problem: 'written for another key' };
  }
  const payload = bytes.subarray(featureEntryHeaderBytes);
  const digest = createHash('sha256').update(payload).digest();
  if (!equalBytes(bytes.subarray(48, 80), digest)) {
    return { ok: false, problem: 'checksum mismatch (the values were altered)' };
  }
  // Copy into an aligned buffer: Node's pooled Buffers may start at an unaligned offset.
  const copy = new Uint8Array(payload.byteLength);
  copy.set(payload);
  return { ok: true, features: new Float32Array(copy.buffer) };
}

function equalBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.byteLength !== right.byteLength) return false;
  for (let index = 0; index < left.byteLength; index++) {
    if (left[index] !== right[index]) return false;
  }
  return true;
}

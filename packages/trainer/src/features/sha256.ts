/**
 * SHA-256 of `bytes` (or of the UTF-8 of a string) as 64 hex digits. Web Crypto: the same in
 * Node (>= 20) and browsers, no `node:crypto`.
 */
export async function sha256Hex(bytes: Uint8Array | string): Promise<string> {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>);
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}

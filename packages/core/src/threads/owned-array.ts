/** A typed array of any element type. */
type TypedArray =
  | Uint8Array
  | Uint8ClampedArray
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

/**
 * `array` itself when it spans its whole buffer, else a copy that does: what can be transferred
 * to another thread (`postMessage(…, [array.buffer])`) without detaching bytes that are not its
 * own (a view into a pooled Buffer, a slab, a larger decode) — or handed to a caller that keeps
 * it while the rest of the buffer is reused.
 */
export function ownedArray<T extends TypedArray>(array: T): T {
  return array.byteOffset === 0 && array.byteLength === array.buffer.byteLength
    ? array
    : (array.slice() as T);
}

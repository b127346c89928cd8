/** Largest memory a {@link SimdKernel} grows to (bytes): 64 MiB, a ~20-megapixel source. */
export const maximumSimdKernelBytes = 64 * 1024 * 1024;

/** A small WebAssembly SIMD module of pixel loops, compiled on first use in each thread. */
export interface SimdKernel<Exports extends { memory: WebAssembly.Memory }> {
  /** This thread's instance, or `undefined` where WebAssembly or its SIMD proposal is missing. */
  exports(): Exports | undefined;
  /**
   * The kernel's memory, grown to at least `bytes`; `undefined` when SIMD is missing, `bytes` is
   * over {@link maximumSimdKernelBytes} (memory never shrinks: an outsized image is left to the
   * scalar code rather than held for good by this thread) or the memory cannot grow.
   */
  memoryFor(bytes: number): { exports: Exports; buffer: ArrayBuffer } | undefined;
}

/**
 * The kernel assembled into `base64` (a build step turns its `.wat` source into that string, so
 * it loads the same way from source, from dist and in a browser bundle). Compiled synchronously:
 * the modules are under 1 KB, within what browsers compile on the main thread.
 */
export function simdKernel<Exports extends { memory: WebAssembly.Memory }>(
  base64: string,
): SimdKernel<Exports> {
  /** `undefined`: not tried yet; `null`: no WebAssembly SIMD here. */
  let instance: Exports | null | undefined;
  const exports = (): Exports | undefined => {
    if (instance === undefined) {
      instance = null;
      try {
        const bytes = base64Bytes(base64);
        if (typeof WebAssembly === 'object' && WebAssembly.validate(bytes)) {
          instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {})
            .exports as unknown as Exports;
        }
      } catch {
        instance = null;
      }
    }
    return instance ?? undefined;
  };
  return {
    exports,
    memoryFor(bytes) {
      const kernel = exports();
      if (kernel === undefined || bytes > maximumSimdKernelBytes) return undefined;
      const memory = kernel.memory;
      if (memory.buffer.byteLength < bytes) {
        try {
          memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / 65536));
        } catch {
          return undefined;
        }
      }
      return { exports: kernel, buffer: memory.buffer };
    },
  };
}

/** `bytes` rounded up to a multiple of 16 (where a kernel's SIMD loads and stores start). */
export function alignSimd(bytes: number): number {
  return Math.ceil(bytes / 16) * 16;
}

function base64Bytes(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let index = 0; index < text.length; index++) bytes[index] = text.charCodeAt(index);
  return bytes;
}

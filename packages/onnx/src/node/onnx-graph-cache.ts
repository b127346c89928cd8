import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { onnxConverterVersion } from '../convert-to-onnx.js';

/**
 * Version of the graphs this code caches: the cache layout's own (`v1`) and the converter's
 * `onnxConverterVersion`, which is bumped whenever its output changes for the same weights, so a
 * graph from an older converter is never reused.
 */
export const onnxGraphCacheVersion = `graft-onnx-graph-v1-converter${onnxConverterVersion}`;

/** Options of {@link cachedOnnxGraph}. */
export interface CachedOnnxGraphOptions {
  /** Directory holding the cached `.onnx` files (created when missing). */
  directory: string;
  /**
   * The backbone's identity (`backboneCacheIdentity`: 64 hex digits naming architecture,
   * weight bytes and preprocessing): the file's name, so other weights never reuse it.
   */
  identity: string;
  /** Converts the backbone; called only when no cached graph exists. */
  convert: () => Uint8Array | Promise<Uint8Array>;
}

/** A graph, read from the cache or converted and written to it. */
export interface CachedOnnxGraph {
  /** The ModelProto bytes. */
  bytes: Uint8Array;
  /** The cached file. */
  path: string;
  /** True when read from the cache (no conversion ran). */
  reused: boolean;
}

/**
 * The ONNX graph of the backbone `identity` names: read from `directory` when an earlier run
 * cached it, else converted and written atomically (a temporary file renamed into place, so a
 * crash or a concurrent run never leaves a half-written graph under the final name).
 */
export async function cachedOnnxGraph(options: CachedOnnxGraphOptions): Promise<CachedOnnxGraph> {
  if (!/^[0-9a-f]{16,128}$/.test(options.identity)) {
    throw new InvalidArgumentError({
      argument: 'identity',
      value: options.identity,
      expected: 'must be the backbone cache identity (hex digits)',
    });
  }
  const path = join(options.directory, `${onnxGraphCacheVersion}-${options.identity}.onnx`);
  const cached = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  if (cached && cached.byteLength > 0) {
    return {
      bytes: new Uint8Array(cached.buffer, cached.byteOffset, cached.byteLength),
      path,
      reused: true,
    };
  }
  const bytes = await options.convert();
  await mkdir(options.directory, { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return { bytes, path, reused: false };
}

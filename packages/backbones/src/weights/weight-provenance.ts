import type { WeightSource } from '@graft/core';
import type { WeightFormat } from '../formats/detect-weight-format.js';
import { knownWeightFile } from './known-weight-files.js';

/**
 * What a backbone's weights actually are: where the bytes were read, their format and sha256,
 * and, only for a file known by its hash or fetched by its canonical name, its source and licence.
 * Recorded in `getConfig().weights` (so in saved models' metadata) and in the CLI's config.json.
 */
export type WeightProvenance = {
  /** Absolute path or URL read (for TF.js, the `model.json`); `(in memory)` for bytes passed in. */
  location: string;
  /** How it was found: an explicit path, the cache, a mirror, a download, HTTP, or memory. */
  origin: 'explicit' | 'cache' | 'mirror' | 'download' | 'http' | 'memory';
  /** Format read. */
  format: WeightFormat;
  /** sha256 (hex) of the weight bytes (the file; for TF.js the concatenated shards). */
  sha256: string;
  /** Source name, e.g. `teachable-machine`; `null` for a file Graft does not know. */
  source: string | null;
  /** Canonical URL; `null` for a file Graft does not know. */
  url: string | null;
  /** Licence; `null` for a file Graft does not know (never assumed from the backbone). */
  license: string | null;
  /** What is known about the bytes, when they are a known file. */
  description: string | null;
};

/** Options of {@link weightProvenance}. */
export interface WeightProvenanceOptions {
  /** Path or URL read. */
  location: string;
  /** How it was found. */
  origin: WeightProvenance['origin'];
  /** Format read. */
  format: WeightFormat;
  /** sha256 (hex) of the weight bytes. */
  sha256: string;
  /** The built-in source the backbone resolved by canonical name; ignored for explicit files and memory. */
  source?: WeightSource;
}

/**
 * The provenance of loaded weights. A file is identified by its hash first; failing that, a file
 * resolved by the built-in source's canonical name (cache, mirror, download) is that source. An
 * explicit file with an unknown hash is only its path, format and hash: the backbone it was
 * loaded into says nothing about where it came from.
 */
export function weightProvenance(options: WeightProvenanceOptions): WeightProvenance {
  const base = {
    location: options.location,
    origin: options.origin,
    format: options.format,
    sha256: options.sha256,
  };
  const known = knownWeightFile(options.sha256);
  if (known !== undefined && known.format === options.format) {
    return {
      ...base,
      source: known.name,
      url: known.url,
      license: known.license,
      description: known.description,
    };
  }
  const byName =
    options.origin !== 'explicit' && options.origin !== 'memory' ? options.source : undefined;
  return {
    ...base,
    source: byName?.name ?? null,
    url: byName?.url ?? null,
    license: byName?.license ?? null,
    description: null,
  };
}

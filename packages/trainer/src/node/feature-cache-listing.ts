import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** File name ending of a feature cache entry. */
export const featureEntryExtension = '.fv';
/** File in a namespace's folder saying what its entries are (backbone, weights, engine …). */
export const featureIdentityFile = 'identity.json';

/** One entry file of a feature cache. */
export interface FeatureCacheFile {
  /** Absolute path. */
  path: string;
  /** Namespace folder the entry is in. */
  namespace: string;
  /** File size in bytes. */
  bytes: number;
  /** Last write or cache hit (hits refresh the modification time), in ms since the epoch. */
  lastUsedMs: number;
}

/** Everything under a feature cache directory: entries, and temporary files of writes. */
export interface FeatureCacheFiles {
  entries: FeatureCacheFile[];
  /** Temporary files of atomic writes (a crashed writer leaves them behind). */
  temporary: FeatureCacheFile[];
}

/**
 * Lists a feature cache laid out as `<directory>/<namespace>/<2 hex>/<62 hex>.fv` (see
 * `DiskFeatureStore`). Files vanishing meanwhile (another process evicting) are skipped; a
 * missing directory is an empty cache.
 */
export async function listFeatureCacheFiles(directory: string): Promise<FeatureCacheFiles> {
  const result: FeatureCacheFiles = { entries: [], temporary: [] };
  for (const namespace of await subdirectories(directory)) {
    for (const shard of await subdirectories(join(directory, namespace))) {
      const folder = join(directory, namespace, shard);
      const names = await readdir(folder).catch(() => [] as string[]);
      await Promise.all(
        names.map(async (name) => {
          const isEntry = name.endsWith(featureEntryExtension) && !name.startsWith('.');
          const isTemporary = name.startsWith('.') && name.endsWith('.tmp');
          if (!isEntry && !isTemporary) return;
          const path = join(folder, name);
          const info = await stat(path).catch(() => undefined);
          if (!info?.isFile()) return;
          (isEntry ? result.entries : result.temporary).push({
            path,
            namespace,
            bytes: info.size,
            lastUsedMs: info.mtimeMs,
          });
        }),
      );
    }
  }
  return result;
}

/** One namespace of a feature cache, as `graft cache ls` shows it. */
export interface FeatureCacheNamespace {
  /** Folder name (16 hex digits of the namespace's SHA-256, or `default`). */
  namespace: string;
  /** Its `identity.json` (what wrote the entries), when present and readable. */
  identity: Record<string, unknown> | undefined;
  /** Entry files. */
  entries: number;
  /** Their total size. */
  bytes: number;
  /** Latest write or hit. */
  lastUsed: Date | undefined;
}

/** Entries, bytes, last use and identity of each namespace of the cache at `directory`. */
export async function describeFeatureCache(directory: string): Promise<FeatureCacheNamespace[]> {
  const { entries } = await listFeatureCacheFiles(directory);
  const namespaces = new Map<string, FeatureCacheNamespace>();
  for (const namespace of await subdirectories(directory)) {
    const identity = await readFile(join(directory, namespace, featureIdentityFile), 'utf8')
      .then((text) => JSON.parse(text) as Record<string, unknown>)
      .catch(() => undefined);
    namespaces.set(namespace, { namespace, identity, entries: 0, bytes: 0, lastUsed: undefined });
  }
  for (const entry of entries) {
    const summary = namespaces.get(entry.namespace);
    if (!summary) continue;
    summary.entries++;
    summary.bytes += entry.bytes;
    if (summary.lastUsed === undefined || entry.lastUsedMs > summary.lastUsed.getTime()) {
      summary.lastUsed = new Date(entry.lastUsedMs);
    }
  }
  return [...namespaces.values()].sort(
    (left, right) => (right.lastUsed?.getTime() ?? 0) - (left.lastUsed?.getTime() ?? 0),
  );
}

/**
 * The entries to delete so that the rest fit in `maximumBytes`: least recently used first
 * (oldest `lastUsedMs`; ties by path, so concurrent trims pick the same files).
 */
export function leastRecentlyUsedOverBudget(
  entries: readonly FeatureCacheFile[],
  maximumBytes: number,
): FeatureCacheFile[] {
  let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  if (total <= maximumBytes) return [];
  const oldestFirst = [...entries].sort(
    (left, right) =>
      left.lastUsedMs - right.lastUsedMs ||
      (left.path < right.path ? -1 : left.path > right.path ? 1 : 0),
  );
  const evicted: FeatureCacheFile[] = [];
  for (const entry of oldestFirst) {
    if (total <= maximumBytes) break;
    evicted.push(entry);
    total -= entry.bytes;
  }
  return evicted;
}

async function subdirectories(directory: string): Promise<string[]> {
  const children = await readdir(directory, { withFileTypes: true }).catch(() => []);
  return children.filter((child) => child.isDirectory()).map((child) => child.name);
}

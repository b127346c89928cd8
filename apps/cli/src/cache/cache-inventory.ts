import { open, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { InvalidArgumentError } from '@graft/core';
import { describeFeatureCache } from '@graft/trainer/node';

/** What `graft cache` knows in the cache folder, one kind per folder. */
export const cacheKinds = ['features', 'pixels', 'onnx', 'data', 'downloads'] as const;
/** One kind of cached files. */
export type CacheKind = (typeof cacheKinds)[number];

/** What each kind holds, and whether it is recomputed (cheap) or fetched (downloads, data). */
export const cacheKindDescriptions: Record<CacheKind, string> = {
  features: 'frozen backbone features (recomputed when missing)',
  pixels: 'decoded training frames of augmented runs (recomputed when missing)',
  onnx: 'ONNX graphs converted from backbones (recomputed when missing)',
  data: 'datasets downloaded or extracted (cifar/, data/)',
  downloads: 'downloaded weights and class labels',
};

/** Kinds `graft cache clear` deletes when no --kind is given: the recomputable ones. */
export const defaultClearKinds: readonly CacheKind[] = ['features', 'pixels', 'onnx'];

/** One item of a kind (a feature namespace, a pixel file, a graph, a downloaded file). */
export interface CacheItem {
  /** File or folder, relative to the cache folder. */
  path: string;
  /** Entries in it (feature vectors, images of a pixel file; 1 for a plain file). */
  entries: number;
  bytes: number;
  /** Latest write or use (ISO time). */
  lastUsed: string | undefined;
  /** What it is: the backbone and weights, the dataset, the file. */
  identity: string;
}

/** One kind in `graft cache ls`. */
export interface CacheKindListing {
  kind: CacheKind;
  description: string;
  entries: number;
  bytes: number;
  lastUsed: string | undefined;
  items: CacheItem[];
}

/** The folders (relative to the cache) each kind owns; `downloads` is everything else. */
const kindFolders: Record<Exclude<CacheKind, 'downloads'>, readonly string[]> = {
  features: ['features'],
  pixels: ['pixels'],
  onnx: ['onnx'],
  data: ['cifar', 'data'],
};

/**
 * Parses `--kind a,b` (or `all`) into kinds. Unknown names are an error listing the valid ones.
 */
export function parseCacheKinds(text: string | undefined): CacheKind[] {
  if (text === undefined) return [...defaultClearKinds];
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.includes('all')) return [...cacheKinds];
  const unknown = names.filter((name) => !(cacheKinds as readonly string[]).includes(name));
  if (names.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError({
      argument: '--kind',
      value: text,
      expected: `must be one or more of: ${cacheKinds.join(', ')}, all (comma-separated)`,
    });
  }
  return [...new Set(names)] as CacheKind[];
}

/** The paths (absolute) that hold `kind` in the cache folder `root`. */
export async function pathsOfKind(root: string, kind: CacheKind): Promise<string[]> {
  if (kind !== 'downloads') return kindFolders[kind].map((folder) => join(root, folder));
  const owned = new Set(Object.values(kindFolders).flat());
  const children = await readdir(root).catch(() => [] as string[]);
  return children.filter((child) => !owned.has(child)).map((child) => join(root, child));
}

/** Every kind in the cache folder `root`: entries, bytes, last use and what each item is. */
export async function listCache(root: string): Promise<CacheKindListing[]> {
  const listings: CacheKindListing[] = [];
  for (const kind of cacheKinds) {
    const items = await itemsOf(root, kind);
    const latest = items
      .map((item) => item.lastUsed)
      .filter((time): time is string => time !== undefined)
      .sort()
      .at(-1);
    listings.push({
      kind,
      description: cacheKindDescriptions[kind],
      entries: items.reduce((sum, item) => sum + item.entries, 0),
      bytes: items.reduce((sum, item) => sum + item.bytes, 0),
      lastUsed: latest,
      items,
    });
  }
  return listings;
}

async function itemsOf(root: string, kind: CacheKind): Promise<CacheItem[]> {
  switch (kind) {
    case 'features':
      return featureItems(root);
    case 'pixels':
      return pixelItems(root);
    case 'onnx':
      return onnxItems(root);
    case 'data':
      return dataItems(root);
    case 'downloads': {
      const files = (
        await Promise.all((await pathsOfKind(root, kind)).map((path) => filesUnder(path)))
      ).flat();
      return files.map((file) => ({
        path: relative(root, file.path),
        entries: 1,
        bytes: file.bytes,
        lastUsed: new Date(file.mtimeMs).toISOString(),
        identity: relative(root, file.path),
      }));
    }
  }
}

/** One item per dataset folder or archive in `cifar/` and `data/`, counting its files. */
async function dataItems(root: string): Promise<CacheItem[]> {
  const items: CacheItem[] = [];
  for (const folder of await pathsOfKind(root, 'data')) {
    for (const child of await readdir(folder).catch(() => [] as string[])) {
      const files = await filesUnder(join(folder, child));
      if (files.length === 0) continue;
      const latest = Math.max(...files.map((file) => file.mtimeMs));
      items.push({
        path: relative(root, join(folder, child)),
        entries: files.length,
        bytes: files.reduce((sum, file) => sum + file.bytes, 0),
        lastUsed: new Date(latest).toISOString(),
        identity: `${child}${files.length > 1 ? ` (${files.length} files)` : ''}`,
      });
    }
  }
  return items;
}

async function featureItems(root: string): Promise<CacheItem[]> {
  const namespaces = await describeFeatureCache(join(root, 'features'));
  return namespaces
    .filter((namespace) => namespace.entries > 0)
    .map((namespace) => ({
      path: join('features', namespace.namespace),
      entries: namespace.entries,
      bytes: namespace.bytes,
      lastUsed: namespace.lastUsed?.toISOString(),
      identity: describeFeatureIdentity(namespace.identity),
    }));
}

/** `mobilenet_v2_1.0_224 (imagenet, sha256 1a2b3c4d…), 224×224 center-crop, wasm`. */
function describeFeatureIdentity(identity: Record<string, unknown> | undefined): string {
  if (identity === undefined) return '(no identity.json: written by the library)';
  if (identity.format === 'graft-cli-text-embeddings-v1') {
    return `text encoder ${String(identity.encoder)} (${String(identity.weightsId)}), ${String(identity.featureDim)}-d embeddings, ${String(identity.backend)}, graft ${String(identity.graft)}`;
  }
  const weights = identity.weights as { sha256?: string } | string | undefined;
  const weightText =
    typeof weights === 'object' && weights?.sha256
      ? `sha256 ${weights.sha256.slice(0, 12)}…`
      : String(weights ?? '?');
  const size = Array.isArray(identity.inputSize) ? identity.inputSize.join('×') : '?';
  const resize = (identity.resize as { mode?: string } | undefined)?.mode ?? '?';
  const backboneIdentity = String(identity.backboneIdentity ?? '').slice(0, 12);
  return `${String(identity.backbone)} (${String(identity.weightsId)}, weights ${weightText}; network ${backboneIdentity}…), ${size} ${resize}, ${String(identity.backend)}, graft ${String(identity.graft)}`;
}

async function pixelItems(root: string): Promise<CacheItem[]> {
  const folder = join(root, 'pixels');
  const names = await readdir(folder).catch(() => [] as string[]);
  const items: CacheItem[] = [];
  for (const name of names.filter((file) => file.endsWith('.pixels'))) {
    const path = join(folder, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) continue;
    const index = await readPixelIndex(path, info.size);
    items.push({
      path: join('pixels', name),
      entries: index?.images ?? 0,
      bytes: info.size,
      lastUsed: new Date(Math.max(info.mtimeMs, info.atimeMs)).toISOString(),
      identity: index
        ? `${index.images} images of ${index.frameBytes} bytes from ${index.folder}`
        : '(incomplete or unreadable: rewritten by the next run)',
    });
  }
  return items;
}

/** The footer and JSON index of a pixel cache file (see `PixelCache` in @graft/datasets). */
async function readPixelIndex(
  path: string,
  size: number,
): Promise<{ images: number; frameBytes: number; folder: string } | undefined> {
  const handle = await open(path, 'r').catch(() => undefined);
  if (!handle) return undefined;
  try {
    const footer = Buffer.alloc(16);
    await handle.read(footer, 0, 16, size - 16);
    if (footer.toString('latin1', 8, 16) !== 'GRAFTPX1') return undefined;
    const length = Number(footer.readBigUInt64LE(0));
    const index = Buffer.alloc(length);
    await handle.read(index, 0, length, size - 16 - length);
    const parsed = JSON.parse(index.toString('utf8')) as {
      frameBytes: number;
      entries: { path: string }[];
    };
    return {
      images: parsed.entries.length,
      frameBytes: parsed.frameBytes,
      folder: commonFolder(parsed.entries.map((entry) => entry.path)),
    };
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

function commonFolder(paths: readonly string[]): string {
  if (paths.length === 0) return '?';
  let common = dirname(paths[0] as string);
  for (const path of paths) {
    while (common !== dirname(common) && !path.startsWith(`${common}/`)) common = dirname(common);
  }
  return common;
}

async function onnxItems(root: string): Promise<CacheItem[]> {
  const folder = join(root, 'onnx');
  const names = await readdir(folder).catch(() => [] as string[]);
  const backbones = await backboneNamesByIdentity(root);
  const items: CacheItem[] = [];
  for (const name of names.filter((file) => file.endsWith('.onnx') && !file.startsWith('.'))) {
    const info = await stat(join(folder, name)).catch(() => undefined);
    if (!info?.isFile()) continue;
    const match = /^(graft-onnx-graph-v\d+(?:-converter\d+)?)-([0-9a-f]+)\.onnx$/.exec(name);
    const identity = match?.[2];
    const backbone = identity === undefined ? undefined : backbones.get(identity);
    items.push({
      path: join('onnx', name),
      entries: 1,
      bytes: info.size,
      lastUsed: new Date(Math.max(info.mtimeMs, info.atimeMs)).toISOString(),
      identity: match
        ? `${backbone ?? 'backbone'} ${(identity as string).slice(0, 12)}… (${match[1]})`
        : name,
    });
  }
  return items;
}

/** Backbone names by network identity, from the feature namespaces' identity files. */
async function backboneNamesByIdentity(root: string): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const namespace of await describeFeatureCache(join(root, 'features'))) {
    const identity = namespace.identity;
    if (typeof identity?.backboneIdentity === 'string' && typeof identity.backbone === 'string') {
      names.set(identity.backboneIdentity, identity.backbone);
    }
  }
  return names;
}

async function filesUnder(
  path: string,
): Promise<{ path: string; bytes: number; mtimeMs: number }[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return [];
  if (info.isFile()) return [{ path, bytes: info.size, mtimeMs: info.mtimeMs }];
  if (!info.isDirectory()) return [];
  const children = await readdir(path).catch(() => [] as string[]);
  return (await Promise.all(children.map((child) => filesUnder(join(path, child))))).flat();
}

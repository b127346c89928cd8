import { rm } from 'node:fs/promises';
import { defaultCacheDir } from '@graft/core/node';
import type { Command } from 'commander';
import {
  type CacheKind,
  cacheKinds,
  defaultClearKinds,
  listCache,
  parseCacheKinds,
  pathsOfKind,
} from '../cache/cache-inventory.js';
import { exitCodes } from '../exit-codes.js';
import { formatTable } from '../format-table.js';
import type { CommandOutput } from '../output.js';

/** Items listed per kind without --verbose. */
const itemsShown = 5;

/** `graft cache ls | clear`: what the cache folder holds, and deleting kinds of it. */
export function registerCacheCommand(program: Command, output: CommandOutput): void {
  const cache = program
    .command('cache')
    .description(
      'list or clear the cache folder (GRAFT_CACHE_DIR): feature vectors, decoded pixels, ONNX graphs, datasets, downloaded weights',
    );
  cache
    .command('ls')
    .description('per kind: entries, size, last use, and what each item is (--json for all items)')
    .action(async () => {
      const root = defaultCacheDir();
      const listings = await listCache(root);
      if (output.json) {
        output.result(JSON.stringify({ directory: root, kinds: listings }, null, 2));
        return;
      }
      const lines = [
        `cache ${root}  (GRAFT_CACHE_DIR)`,
        formatTable(
          ['kind', 'entries', 'size', 'last used', 'holds'],
          listings.map((listing) => [
            listing.kind,
            listing.entries,
            formatBytes(listing.bytes),
            formatTime(listing.lastUsed),
            listing.description,
          ]),
        ),
      ];
      for (const listing of listings) {
        if (listing.items.length === 0) continue;
        const shown = output.isVerbose ? listing.items : listing.items.slice(0, itemsShown);
        lines.push('', `${listing.kind}:`);
        for (const item of shown) {
          lines.push(
            `  ${item.identity}  ${item.entries} ${item.entries === 1 ? 'entry' : 'entries'}, ${formatBytes(item.bytes)}, used ${formatTime(item.lastUsed)}  ${item.path}`,
          );
        }
        if (shown.length < listing.items.length) {
          lines.push(`  … and ${listing.items.length - shown.length} more (--verbose lists them)`);
        }
      }
      output.result(lines.join('\n'));
    });
  cache
    .command('clear')
    .description(
      `delete kinds of cached files (default: ${defaultClearKinds.join(', ')}, all recomputed when needed); without --yes, only says what would go`,
    )
    .option(
      '--kind <kinds>',
      `comma-separated: ${cacheKinds.join(', ')}, or all (default ${defaultClearKinds.join(',')})`,
    )
    .option('-y, --yes', 'delete (without it, nothing is deleted)')
    .action(async (flags: { kind?: string; yes?: boolean }) => {
      const kinds = parseCacheKinds(flags.kind);
      const root = defaultCacheDir();
      const listings = (await listCache(root)).filter((listing) =>
        kinds.includes(listing.kind as CacheKind),
      );
      const bytes = listings.reduce((sum, listing) => sum + listing.bytes, 0);
      const summary = listings
        .map(
          (listing) => `${listing.kind} ${listing.entries} entries, ${formatBytes(listing.bytes)}`,
        )
        .join('; ');
      if (!flags.yes) {
        output.result(
          `would delete from ${root}: ${summary} (${formatBytes(bytes)}); add --yes to delete`,
        );
        process.exitCode = exitCodes.usage;
        return;
      }
      for (const kind of kinds) {
        for (const path of await pathsOfKind(root, kind)) {
          await rm(path, { recursive: true, force: true });
        }
      }
      if (output.json) {
        output.result(JSON.stringify({ directory: root, cleared: kinds, bytes }, null, 2));
        return;
      }
      output.result(`deleted from ${root}: ${summary} (${formatBytes(bytes)})`);
    });
}

function formatBytes(bytes: number): string {
  if (bytes >= 1024 ** 3) return `${(bytes / 1024 ** 3).toFixed(2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}

function formatTime(iso: string | undefined): string {
  return iso === undefined ? '-' : iso.slice(0, 16).replace('T', ' ');
}

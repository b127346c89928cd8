// Writes raw ustar archives byte by byte, so tests can craft entries no well-behaved tool makes.
import { gzipSync } from 'node:zlib';

/** One archive entry: a file with content, a folder, or a symbolic link. */
export type TarEntry =
  | { name: string; type: 'file'; content: Uint8Array }
  | { name: string; type: 'folder' }
  | { name: string; type: 'symlink'; target: string };

function header(entry: TarEntry, size: number): Uint8Array {
  const block = new Uint8Array(512);
  const write = (offset: number, length: number, text: string) => {
    const bytes = new TextEncoder().encode(text);
    block.set(bytes.subarray(0, length), offset);
  };
  const octal = (value: number, length: number) => value.toString(8).padStart(length - 1, '0');
  write(0, 100, entry.name);
  write(100, 8, octal(entry.type === 'folder' ? 0o755 : 0o644, 8));
  write(108, 8, octal(0, 8));
  write(116, 8, octal(0, 8));
  write(124, 12, octal(size, 12));
  write(136, 12, octal(1_700_000_000, 12));
  write(148, 8, '        ');
  write(156, 1, entry.type === 'file' ? '0' : entry.type === 'folder' ? '5' : '2');
  if (entry.type === 'symlink') write(157, 100, entry.target);
  write(257, 6, 'ustar\0');
  write(263, 2, '00');
  const checksum = block.reduce((sum, byte) => sum + byte, 0);
  write(148, 8, `${checksum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** A gzipped tar archive of `entries`. */
export function makeTarGz(entries: readonly TarEntry[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const entry of entries) {
    const content = entry.type === 'file' ? entry.content : new Uint8Array(0);
    blocks.push(header(entry, content.length));
    const padded = new Uint8Array(Math.ceil(content.length / 512) * 512);
    padded.set(content);
    blocks.push(padded);
  }
  blocks.push(new Uint8Array(1024));
  const total = blocks.reduce((sum, block) => sum + block.length, 0);
  const tar = new Uint8Array(total);
  let offset = 0;
  for (const block of blocks) {
    tar.set(block, offset);
    offset += block.length;
  }
  return gzipSync(tar);
}

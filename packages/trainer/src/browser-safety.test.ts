import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sourceDirectory = dirname(fileURLToPath(import.meta.url));

/** Every file the main entry reaches by relative imports, starting from `index.ts`. */
async function reachable(file: string, seen = new Set<string>()): Promise<Set<string>> {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = await readFile(file, 'utf8');
  for (const match of text.matchAll(/from '(\.[^']+)\.js'/g)) {
    await reachable(join(dirname(file), `${match[1]}.ts`), seen);
  }
  return seen;
}

describe('main entry', () => {
  it('reaches no Node-only module (files live in ./node)', async () => {
    const files = [...(await reachable(join(sourceDirectory, 'index.ts')))];
    expect(files.length).toBeGreaterThan(20);
    const offenders: string[] = [];
    for (const file of files) {
      const text = await readFile(file, 'utf8');
      if (/from '(node:|@graft\/core\/node|cli-progress)/.test(text)) {
        offenders.push(relative(sourceDirectory, file));
      }
    }
    expect(offenders).toEqual([]);
    // Sanity: the node entry does use them, so the pattern can match.
    const nodeFiles = await readdir(join(sourceDirectory, 'node'));
    const nodeText = await Promise.all(
      nodeFiles.map((name) => readFile(join(sourceDirectory, 'node', name), 'utf8')),
    );
    expect(nodeText.some((text) => /from 'node:/.test(text))).toBe(true);
  });
});

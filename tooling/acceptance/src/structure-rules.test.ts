import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// `pnpm structure` (run by `pnpm test`) passes when it finds nothing; this proves its rules do
// find a circle and a bench's deep import, so a config or resolution slip cannot pass silently.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const project = mkdtempSync(join(tmpdir(), 'graft-structure-'));

afterAll(() => rmSync(project, { recursive: true, force: true }));

function write(path: string, text: string): void {
  mkdirSync(dirname(join(project, path)), { recursive: true });
  writeFileSync(join(project, path), text);
}

interface Violation {
  from: string;
  to: string;
  rule: { name: string };
}

describe('structure rules (.dependency-cruiser.cjs)', () => {
  it('report an import circle and a benchmark importing package internals', () => {
    // Imports spelled as in the repository: `.js` specifiers naming `.ts` files, one type-only.
    write(
      'packages/demo/src/registry.ts',
      "import { op } from './op.js';\nexport const ops = [op];\n",
    );
    write(
      'packages/demo/src/op.ts',
      "import type { ops } from './registry.js';\nexport const op = 1;\nexport type Ops = typeof ops;\n",
    );
    write('packages/demo/src/index.ts', "export { ops } from './registry.js';\n");
    write(
      'packages/demo/bench/demo.bench.ts',
      "import { ops } from '../src/index.js';\nimport { op } from '../src/op.js';\nexport default () => [ops, op];\n",
    );
    let output = '';
    try {
      output = execFileSync(
        join(root, 'node_modules/.bin/depcruise'),
        ['--config', join(root, '.dependency-cruiser.cjs'), '--output-type', 'json', 'packages'],
        { cwd: project, encoding: 'utf8' },
      );
    } catch (error) {
      // depcruise exits non-zero when it finds errors; the report is still on stdout.
      output = (error as { stdout: string }).stdout;
    }
    const violations = (JSON.parse(output) as { summary: { violations: Violation[] } }).summary
      .violations;
    // A circle is reported once, at one of its edges: name it by its files.
    const found = violations
      .map(({ rule, from, to }) =>
        rule.name === 'no-circular'
          ? `${rule.name}: ${[from, to].sort().join(' <-> ')}`
          : `${rule.name}: ${from} -> ${to}`,
      )
      .sort();
    expect(found).toEqual([
      'bench-uses-public-api: packages/demo/bench/demo.bench.ts -> packages/demo/src/op.ts',
      'no-circular: packages/demo/src/op.ts <-> packages/demo/src/registry.ts',
    ]);
  });
});

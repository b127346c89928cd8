import { describe, expect, it } from 'vitest';
import { extractReadmeBlocks } from './extract-readme-blocks.js';

const fence = '```';

describe('extractReadmeBlocks', () => {
  it('finds ts blocks with their heading and line, skipping other languages', () => {
    const markdown = [
      '# pkg',
      `${fence}sh`,
      'pnpm add pkg',
      fence,
      '## Usage',
      `${fence}ts`,
      "console.log('a');",
      fence,
    ].join('\n');
    expect(extractReadmeBlocks('p/README.md', markdown)).toEqual([
      {
        readme: 'p/README.md',
        index: 1,
        line: 6,
        heading: 'Usage',
        mode: 'run',
        reason: undefined,
        files: [{ name: 'example.ts', code: "console.log('a');\n" }],
      },
    ]);
  });

  it('reads an opt-out marker before the block (blank line allowed) and splits files', () => {
    const markdown = [
      '<!-- readme-example: type-check-only — needs a GPU -->',
      '',
      `${fence}ts`,
      "import { f } from './worker.js';",
      '// file: worker.ts',
      'export const f = 1;',
      fence,
      `${fence}typescript`,
      'const b = 2;',
      fence,
    ].join('\n');
    const [first, second] = extractReadmeBlocks('README.md', markdown);
    expect([first?.mode, first?.reason]).toEqual(['type-check-only', 'needs a GPU']);
    expect(first?.files.map((file) => file.name)).toEqual(['example.ts', 'worker.ts']);
    expect(first?.files[1]?.code).toBe('export const f = 1;\n');
    expect([second?.mode, second?.index]).toEqual(['run', 2]);
  });

  it('forgets a marker separated from the block by text', () => {
    const markdown = [
      '<!-- readme-example: serves — server -->',
      'Some text.',
      `${fence}ts`,
      'x;',
      fence,
    ];
    expect(extractReadmeBlocks('README.md', markdown.join('\n'))[0]?.mode).toBe('run');
  });

  it('rejects an unknown marker and a marker without a reason, naming the line', () => {
    expect(() => extractReadmeBlocks('R.md', '<!-- readme-example: skip — x -->')).toThrow(
      'R.md:1: unknown readme-example marker "skip"; valid: serves, type-check-only.',
    );
    expect(() => extractReadmeBlocks('R.md', '\n<!-- readme-example: serves -->')).toThrow(
      'R.md:2: the serves marker needs a reason',
    );
  });
});

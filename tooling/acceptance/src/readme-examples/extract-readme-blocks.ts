/**
 * How the harness treats a README's TypeScript block: `run` (the default) runs it to completion;
 * `serves` runs a long-lived program (a server) until its first output, then interrupts it with
 * SIGINT and expects a clean exit; `type-check-only` only type-checks it.
 */
export type ReadmeBlockMode = 'run' | 'serves' | 'type-check-only';

const markedModes: readonly ReadmeBlockMode[] = ['serves', 'type-check-only'];

/** One ```ts block of a README, as the harness writes, type-checks and runs it. */
export interface ReadmeBlock {
  /** The README's path relative to the repository root, e.g. `packages/trainer/README.md`. */
  readonly readme: string;
  /** 1-based position among the README's TypeScript blocks. */
  readonly index: number;
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The nearest heading above the block (`''` before the first heading). */
  readonly heading: string;
  /** `run` unless an opt-out marker precedes the block. */
  readonly mode: ReadmeBlockMode;
  /** Why the block is not simply run (the marker's text); `undefined` for plain `run` blocks. */
  readonly reason: string | undefined;
  /**
   * The block's files: the first is the entry point (`example.ts`), others come from
   * `// file: <name>.ts` lines inside the block (e.g. a worker module beside the main script).
   */
  readonly files: readonly { readonly name: string; readonly code: string }[];
}

// `<!-- readme-example: type-check-only — why -->` on the line before the fence (blank lines allowed).
const markerPattern = /^<!--\s*readme-example:\s*(\S+)\s*(?:[—:-]+\s*)?(.*?)\s*-->$/;
const fencePattern = /^```(ts|typescript)(\s.*)?$/;
const filePattern = /^\/\/ file: ([\w.-]+\.ts)\b/;

/**
 * Finds every ```ts (or ```typescript) block of a README. A block opts out of running to
 * completion only with a marker right before it, `<!-- readme-example: type-check-only — <reason> -->`
 * or `<!-- readme-example: serves — <reason> -->`; the reason is required so each opt-out says why.
 */
export function extractReadmeBlocks(readme: string, markdown: string): ReadmeBlock[] {
  const lines = markdown.split('\n');
  const blocks: ReadmeBlock[] = [];
  let heading = '';
  let pendingMarker: { mode: ReadmeBlockMode; reason: string } | undefined;
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const text = lines[lineIndex] ?? '';
    const marker = markerPattern.exec(text.trim());
    if (marker) {
      pendingMarker = parseMarker(readme, lineIndex + 1, marker[1] ?? '', marker[2] ?? '');
      continue;
    }
    if (text.startsWith('```')) {
      const fence = fencePattern.exec(text.trim());
      const end = lines.findIndex((candidate, at) => at > lineIndex && candidate.startsWith('```'));
      const closing = end === -1 ? lines.length : end;
      if (fence) {
        const code = lines.slice(lineIndex + 1, closing).join('\n');
        blocks.push({
          readme,
          index: blocks.length + 1,
          line: lineIndex + 1,
          heading,
          mode: pendingMarker?.mode ?? 'run',
          reason: pendingMarker?.reason,
          files: splitFiles(code),
        });
      }
      pendingMarker = undefined;
      lineIndex = closing;
      continue;
    }
    if (text.startsWith('#')) heading = text.replace(/^#+\s*/, '');
    if (text.trim() !== '') pendingMarker = undefined;
  }
  return blocks;
}

function parseMarker(
  readme: string,
  line: number,
  mode: string,
  reason: string,
): { mode: ReadmeBlockMode; reason: string } {
  const known = markedModes.find((candidate) => candidate === mode);
  if (known === undefined) {
    throw new Error(
      `${readme}:${line}: unknown readme-example marker "${mode}"; valid: ${markedModes.join(', ')}.`,
    );
  }
  if (reason === '') {
    throw new Error(
      `${readme}:${line}: the ${mode} marker needs a reason, e.g. ` +
        '<!-- readme-example: type-check-only — needs a GPU -->.',
    );
  }
  return { mode: known, reason };
}

/** Splits a block on `// file: name.ts …` lines (text may follow the name); code before the first such line is `example.ts`. */
function splitFiles(code: string): { name: string; code: string }[] {
  const files: { name: string; lines: string[] }[] = [{ name: 'example.ts', lines: [] }];
  for (const line of code.split('\n')) {
    const file = filePattern.exec(line.trim());
    if (file) files.push({ name: file[1] ?? 'example.ts', lines: [] });
    else files.at(-1)?.lines.push(line);
  }
  return files
    .map((file) => ({ name: file.name, code: `${file.lines.join('\n').trim()}\n` }))
    .filter((file, at) => at > 0 || file.code.trim() !== '');
}

// Every ```ts block of every package and app README, type-checked with the repository's strict
// settings and run as its own process, as a user would copy it (issue 23): imports resolve through
// the packages' `exports` to their built `dist/`, like an installed package, and the working
// directory holds `data/`, `images/` and `fixtures/` linked to the shared assets.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { extractReadmeBlocks, type ReadmeBlock } from './readme-examples/extract-readme-blocks.js';

const acceptanceRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const repositoryRoot = resolve(acceptanceRoot, '../..');
// Inside the repository (and git-ignored) so `@graft/*` resolves through node_modules symlinks.
const workRoot = join(acceptanceRoot, '.readme-examples');
const sharedDir = process.env.GRAFT_SHARED_DIR ?? resolve(repositoryRoot, '../shared');
const sharedFolders = ['data', 'images', 'fixtures'];

function findReadmes(): string[] {
  return ['packages', 'apps'].flatMap((parent) =>
    readdirSync(join(repositoryRoot, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}/README.md`)
      .filter((readme) => existsSync(join(repositoryRoot, readme))),
  );
}

const blocks: ReadmeBlock[] = findReadmes().flatMap((readme) =>
  extractReadmeBlocks(readme, readFileSync(join(repositoryRoot, readme), 'utf8')),
);

/** `packages/trainer/README.md` block 2 → `packages-trainer-2`. */
function blockDirectory(block: ReadmeBlock): string {
  return join(workRoot, `${dirname(block.readme).replace(/\//g, '-')}-${block.index}`);
}

/** Type errors per block directory, from one `tsc --noEmit` over every block. */
const typeErrors = new Map<string, string[]>();

function writeBlocks(): void {
  rmSync(workRoot, { recursive: true, force: true });
  mkdirSync(workRoot, { recursive: true });
  for (const block of blocks) {
    const directory = blockDirectory(block);
    mkdirSync(directory);
    for (const file of block.files) writeFileSync(join(directory, file.name), file.code);
    // Modules beside the entry are loaded by URL at run time (e.g. a worker module): compiled to
    // `.js`, as the user's build would emit them.
    for (const file of block.files.slice(1)) {
      const compiled = ts.transpileModule(file.code, {
        compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(directory, file.name.replace(/\.ts$/, '.js')), compiled.outputText);
    }
    for (const folder of sharedFolders) {
      if (existsSync(join(sharedDir, folder))) {
        symlinkSync(join(sharedDir, folder), join(directory, folder), 'dir');
      }
    }
  }
  // What a user's strict Node project would use (the repository's strictness, Node's resolution).
  const compilerOptions = {
    target: 'ES2022',
    lib: ['ES2023', 'DOM', 'DOM.Iterable'],
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    isolatedModules: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  };
  writeFileSync(
    join(workRoot, 'tsconfig.json'),
    JSON.stringify({ compilerOptions, include: ['*/*.ts'] }, null, 2),
  );
}

function typeCheck(): void {
  const tsc = join(repositoryRoot, 'node_modules/typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], {
    cwd: workRoot,
    encoding: 'utf8',
  });
  let current: string[] | undefined;
  for (const line of result.stdout.split('\n')) {
    const located = /^(.+?)\(\d+,\d+\): error /.exec(line);
    if (located) {
      const directory = resolve(workRoot, dirname(located[1] ?? ''));
      current = typeErrors.get(directory) ?? [];
      typeErrors.set(directory, current);
    }
    if (line.trim() !== '') current?.push(line);
  }
  if (result.status !== 0 && typeErrors.size === 0) {
    throw new Error(`tsc failed without per-file errors:\n${result.stdout}${result.stderr}`);
  }
}

function checkSharedAssets(): void {
  if (!existsSync(join(sharedDir, 'data/hymenoptera'))) {
    throw new Error(
      `README examples read the shared assets, and ${join(sharedDir, 'data/hymenoptera')} does not ` +
        'exist: set GRAFT_SHARED_DIR (see CONTRIBUTING.md).',
    );
  }
}

function checkBuilt(): void {
  const missing = readdirSync(join(acceptanceRoot, 'node_modules/@graft'))
    .filter((name) => !['tsconfig', 'vitest-preset'].includes(name))
    .filter((name) => !existsSync(join(acceptanceRoot, 'node_modules/@graft', name, 'dist')));
  if (missing.length > 0) {
    throw new Error(
      `README examples import the built packages, and ${missing.map((name) => `@graft/${name}`).join(', ')} ` +
        'have no dist/: run `pnpm turbo run build` first (`pnpm test` does).',
    );
  }
}

/**
 * Runs a block's entry file with tsx in its own process (its own tfjs backend and memory, as a
 * user's script). A `serves` block is interrupted (SIGINT) once it has printed its first line.
 */
function runBlock(
  directory: string,
  entry: string,
  serves: boolean,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }> {
  const child = spawn(join(repositoryRoot, 'node_modules/.bin/tsx'), [entry], {
    cwd: directory,
    env: {
      ...process.env,
      GRAFT_SHARED_DIR: sharedDir,
      GRAFT_MIRROR: process.env.GRAFT_MIRROR ?? join(sharedDir, 'weights'),
      GRAFT_OFFLINE: '1',
    },
  });
  let output = '';
  let interrupted = false;
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (serves && !interrupted && output.includes('\n')) {
      interrupted = true;
      child.kill('SIGINT');
    }
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
  return new Promise((resolvePromise) => {
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      // The last lines, each cut short: a wasm stack trace quotes a whole minified file.
      const lines = output.trim().split('\n').slice(-40);
      const shown = lines.map((line) => (line.length > 300 ? `${line.slice(0, 300)}…` : line));
      resolvePromise({ code, signal, output: shown.join('\n') });
    });
  });
}

describe('README examples run as written', () => {
  beforeAll(() => {
    checkSharedAssets();
    checkBuilt();
    writeBlocks();
    typeCheck();
  });

  it('finds the TypeScript blocks of the package and app READMEs', () => {
    expect(blocks.length).toBeGreaterThan(10);
  });

  for (const block of blocks) {
    const title = `${block.readme} block ${block.index} (line ${block.line}, "${block.heading}")`;
    it(`${title}${block.mode === 'run' ? '' : ` — ${block.mode}: ${block.reason}`}`, async () => {
      const directory = blockDirectory(block);
      expect(typeErrors.get(directory) ?? [], 'tsc --noEmit (strict) errors').toEqual([]);
      if (block.mode === 'type-check-only') return;
      const entry = block.files[0]?.name ?? 'example.ts';
      const result = await runBlock(directory, entry, block.mode === 'serves');
      expect(
        { code: result.code, signal: result.signal },
        `${relative(repositoryRoot, directory)}/${entry} failed:\n${result.output}`,
      ).toEqual({ code: 0, signal: null });
    }, 320_000);
  }
});

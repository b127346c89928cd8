import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const sourceDir = dirname(fileURLToPath(import.meta.url));

/** Every module the main entry reaches through static imports, with what each imports. */
function staticImportGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop() as string;
    if (graph.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    // `import type` is erased; `import(...)` (dynamic) is deliberately not followed.
    const specifiers = [
      ...text.matchAll(/^(?:import|export)\s+(?!type\s)[^;]*?from\s+'([^']+)'/gms),
    ]
      .map((match) => match[1] as string)
      .concat([...text.matchAll(/^import\s+'([^']+)'/gm)].map((match) => match[1] as string));
    graph.set(file, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.'))
        pending.push(join(dirname(file), specifier.replace(/\.js$/, '.ts')));
    }
  }
  return graph;
}

describe('main entry', () => {
  it('stays browser-safe: no static import of Node built-ins or core/node', () => {
    const graph = staticImportGraph(join(sourceDir, 'index.ts'));
    expect(graph.size).toBeGreaterThan(10);
    const offending = [...graph].flatMap(([file, specifiers]) =>
      specifiers
        .filter((specifier) => /^node:|^fs$|^path$|@graft\/core\/node|\/node\//.test(specifier))
        .map((specifier) => `${relative(sourceDir, file)} imports ${specifier}`),
    );
    expect(offending).toEqual([]);
  });

  it('the check does see Node imports (control: the ./node entry has them)', () => {
    const graph = staticImportGraph(join(sourceDir, 'node/index.ts'));
    const nodeImports = [...graph.values()]
      .flat()
      .filter((specifier) => specifier.startsWith('node:'));
    expect(nodeImports).toContain('node:fs/promises');
  });
});

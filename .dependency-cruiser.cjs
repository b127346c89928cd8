// Structure checks run by `pnpm test` (`depcruise packages apps tooling`): the rules that keep
// every package's import graph a tree and its benchmarks on the public API. CommonJS because
// dependency-cruiser reads its config with require.
// `.dependency-cruiser-known-violations.json` lists accepted exceptions (the check ignores them
// and fails on any new one); it is empty. Regenerate it with `npx depcruise --config
// .dependency-cruiser.cjs --output-type baseline --output-to
// .dependency-cruiser-known-violations.json packages apps tooling` and `npx biome format --write` on it.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Files that import each other in a loop (type-only imports included). Give the shared ' +
        'type or registry its own leaf file, or hand the registry to the composite at run time.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'bench-uses-public-api',
      severity: 'error',
      comment:
        "A package's bench/ measures what users get: import the package through its published " +
        'entry files (src/index.ts, src/node/index.ts, src/testing/index.ts) plus ' +
        '@graft/bench-kit, not its internals.',
      from: { path: '^packages/([^/]+)/bench/' },
      to: {
        path: '^packages/$1/src/',
        pathNot: '^packages/$1/src/(index|node/index|testing/index)[.]ts$',
      },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|bench-results|test-results)/' },
    // Type-only imports count: a loop of types is as hard to read as a loop of values.
    tsPreCompilationDeps: true,
    // `@graft/*` resolves to the sources (the workspace's custom condition), as in the tests.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['@graft/source', 'import', 'types', 'default'],
      extensions: ['.ts', '.tsx', '.mjs', '.js', '.d.ts'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

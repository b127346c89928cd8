import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Options of {@link workerThreadEntry}. */
export interface WorkerThreadEntryOptions {
  /** `import.meta.url` of the module that starts the thread. */
  moduleUrl: string;
  /** The built entry's file name beside it in `dist/node/`, e.g. `feature-worker-thread.js`. */
  builtFile: string;
  /** The bootstrap beside the TypeScript source that registers tsx, e.g. `feature-worker-bootstrap.mjs`. */
  bootstrapFile: string;
  /** The package, named in the error when the built entry is missing. */
  packageName: string;
}

/**
 * Where a package's worker thread starts: the built entry beside the calling module (or one
 * level down, when the bundler moved that code into a chunk), or, when the package runs from its
 * TypeScript sources, a bootstrap that registers tsx first (worker threads do not inherit the
 * loader), with the `@graft/source` condition so workspace packages load from `src` too.
 */
export function workerThreadEntry(options: WorkerThreadEntryOptions): {
  url: URL;
  execArgv?: string[];
} {
  if (options.moduleUrl.endsWith('.ts')) {
    return {
      url: new URL(`./${options.bootstrapFile}`, options.moduleUrl),
      execArgv: ['--conditions=@graft/source'],
    };
  }
  const candidates = [`./${options.builtFile}`, `./node/${options.builtFile}`].map(
    (path) => new URL(path, options.moduleUrl),
  );
  const found = candidates.find((url) => existsSync(fileURLToPath(url)));
  if (found === undefined) {
    throw new Error(
      `${options.packageName}'s ${options.builtFile} is missing beside ${fileURLToPath(options.moduleUrl)}: rebuild the package.`,
    );
  }
  return { url: found };
}

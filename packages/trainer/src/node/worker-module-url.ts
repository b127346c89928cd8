import { pathToFileURL } from 'node:url';

/** A worker pool's `workerModule` (URL, `file:` URL string or absolute path) as a file URL string. */
export function workerModuleUrl(workerModule: URL | string): string {
  if (workerModule instanceof URL) return workerModule.href;
  return workerModule.startsWith('file:') ? workerModule : pathToFileURL(workerModule).href;
}

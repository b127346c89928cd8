import { type BackendReport, initBackend } from '@graft/runtime';

let preferred: string | undefined;
let selected: Promise<BackendReport> | undefined;

/** Sets the backend `--backend` asked for (before the first {@link selectBackend}). */
export function setPreferredBackend(name: string | undefined): void {
  preferred = name;
}

/** Whether `--backend` or `GRAFT_BACKEND` names a backend for this process. */
export function hasPreferredBackend(): boolean {
  return (preferred ?? (process.env.GRAFT_BACKEND || undefined)) !== undefined;
}

/**
 * Picks the tfjs backend through @graft/runtime, once per process: `--backend` (or
 * `GRAFT_BACKEND`) when given, else the first that works of tfjs-node-gpu → tfjs-node → wasm → cpu.
 */
export function selectBackend(): Promise<BackendReport> {
  const prefer = preferred ?? (process.env.GRAFT_BACKEND || undefined);
  selected ??= initBackend(prefer === undefined ? {} : { prefer });
  return selected;
}

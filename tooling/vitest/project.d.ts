import type { UserWorkspaceConfig } from 'vitest/config';

/** The vitest project every Graft package uses (see project.js). */
export declare function graftProject(options: {
  /** Project name in the report, e.g. `core`. */
  name: string;
  /** Extra test options merged over the defaults. */
  test?: UserWorkspaceConfig['test'];
}): UserWorkspaceConfig;

/** Where the shared real assets live: `GRAFT_SHARED_DIR`, or `../shared` beside the checkout. */
export declare const sharedAssetsDir: string;

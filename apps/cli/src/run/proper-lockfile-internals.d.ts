// proper-lockfile's own module behind its index; tests read the held locks from it.
declare module 'proper-lockfile/lib/lockfile.js' {
  export function getLocks(): Record<string, unknown>;
}

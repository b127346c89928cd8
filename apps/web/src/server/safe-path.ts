import { realpath } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';

/**
 * Splits a raw request path into decoded segments, or `undefined` when any segment is unsafe
 * (`.`, `..`, empty, NUL, a slash or backslash after decoding, or bad percent-encoding). The
 * raw path is split BEFORE decoding so `%2e%2e` and `%2f` cannot form `..` or new segments.
 */
export function decodePathSegments(rawPath: string): string[] | undefined {
  const trimmed = rawPath.replace(/^\/+/, '');
  if (trimmed === '') return [];
  const segments: string[] = [];
  for (const raw of trimmed.split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return undefined;
    }
    if (!isSafeSegment(segment)) return undefined;
    segments.push(segment);
  }
  return segments;
}

/** Whether one decoded path segment names a child entry (no traversal, no separators). */
export function isSafeSegment(segment: string): boolean {
  return (
    segment !== '' &&
    segment !== '.' &&
    segment !== '..' &&
    !/[/\\\0]/.test(segment) &&
    !isAbsolute(segment) &&
    !/^[A-Za-z]:/.test(segment)
  );
}

/**
 * The real path of `segments` under `root`, or `undefined` when it does not exist or resolves
 * (through symlinks) outside `root`.
 */
export async function resolveInside(
  root: string,
  segments: readonly string[],
): Promise<string | undefined> {
  if (!segments.every(isSafeSegment)) return undefined;
  try {
    const realRoot = await realpath(root);
    const target = await realpath(join(realRoot, ...segments));
    return isInside(realRoot, target) ? target : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `child` is `parent` or below it (both absolute, normalised). */
export function isInside(parent: string, child: string): boolean {
  const path = relative(parent, child);
  return path === '' || (!path.startsWith(`..${sep}`) && path !== '..' && !isAbsolute(path));
}

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { AssetNotFoundError, FileFormatError } from '@graft/core';
import { parse as parseYaml, YAMLParseError } from 'yaml';

/**
 * Reads a JSON or YAML config file (`.json`, `.yaml`, `.yml`) into a plain object. Keys may be
 * camelCase or kebab-case (`batchSize` or `batch-size`); they are returned camelCase.
 */
export async function loadConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new AssetNotFoundError({
      fileName: path,
      searched: [path],
      putItAt: path,
      reason: `the config file cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`,
    });
  }
  const extension = extname(path).toLowerCase();
  let parsed: unknown;
  try {
    // YAML is a superset of JSON; parse .json strictly so a JSON typo is reported as such.
    parsed = extension === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos
        ? ` at line ${error.linePos[0].line}, column ${error.linePos[0].col}`
        : '';
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new FileFormatError({
      file: path,
      problem: `not valid ${extension === '.json' ? 'JSON' : 'YAML'}${where}: ${message}`,
      cause: error,
    });
  }
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FileFormatError({
      file: path,
      problem: 'the config must be a mapping of option names to values (e.g. "epochs: 5")',
    });
  }
  return camelCaseKeys(parsed as Record<string, unknown>);
}

/** `batch-size` → `batchSize`; already-camelCase keys are unchanged. */
export function camelCaseKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(object).map(([key, value]) => [
      key.replace(/[-_]([a-z0-9])/g, (_, letter: string) => letter.toUpperCase()),
      value,
    ]),
  );
}

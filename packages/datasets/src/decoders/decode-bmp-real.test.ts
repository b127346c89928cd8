import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeBmp } from './decode-bmp.js';

// sha256 of Pillow 9.4.0's `Image.open(f).convert('RGB').tobytes()` for each shared BMP
// (computed once with Debian's python3-pil; Pillow is not needed to run this test).
const pillowSha256: Record<string, string> = {
  'bird.bmp': '47a5acb532ae48015db71e7cb45fecc7177f3aa63d1c6949ea1156ca20968b49',
  'cat.bmp': 'c30acc022443553a1970a53d1d45ea3ed18130181ad4b6d9128f74cd08fd6e83',
  'dragonfly.bmp': 'f7ebf2940fd2590e837e2a4dc1354b7bd534bddeaa4b3dccf388c3ba0c95173a',
  'grace_hopper.bmp': 'a3a89e1d9f138a6e348278bf487d02a4326c66c8850b817f3769a21b2a13b1e8',
  'missvickie_potato_chips.bmp': '6c4ebe0da07c0f4ac55eaf06e4fe99806d3ffd24203d8e992570a95426365769',
  'resized_cat.bmp': '4abc839e40babbb47ece233474f75db6fed6e657b7b00a38998f63a93a8e9228',
  'sunflower.bmp': '7629bfa5891c6270ccf32e0cf5ecc7ffeeceaafbca4f2bec4608ab3ab6f449b3',
};

describe('decodeBmp on the shared ImageNet samples', () => {
  const folder = join(process.env.GRAFT_SHARED_DIR ?? '', 'images', 'imagenet-samples');
  for (const [name, expected] of Object.entries(pillowSha256)) {
    it(`decodes ${name} to the same RGB bytes as Pillow`, async () => {
      const image = decodeBmp(await readFile(join(folder, name)), name);
      expect(createHash('sha256').update(image.data).digest('hex')).toBe(expected);
    });
  }
});

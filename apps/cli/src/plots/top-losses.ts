import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { DecodedImage } from '@graft/datasets';
import { decodePixels } from '@graft/datasets/node';
import type { Misclassified } from '@graft/trainer';
import sharp from 'sharp';

/** Options of {@link renderTopLosses}. */
export interface RenderTopLossesOptions {
  /** Misclassified images, most confident first (an evaluation report's `misclassified`). */
  misclassified: readonly Misclassified[];
  /** Class names, indexed by label. */
  classNames: readonly string[];
  /** How many to draw. */
  count: number;
  /** Thumbnails per row. Default 4. */
  columns?: number;
  /** Largest thumbnail side in pixels. Default 180. */
  thumbnailSize?: number;
  /**
   * Draws over each decoded image before it is shrunk, e.g. the Grad-CAM overlay of the predicted
   * class (`predictedClassOverlay`). Default: the image as it is.
   */
  overlay?: (image: DecodedImage, entry: Misclassified) => Promise<DecodedImage>;
}

const escapeXml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (character) =>
      ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[character] ??
      character,
  );

/**
 * fastai's `plot_top_losses` as one SVG file: the `count` most confidently wrong images in a
 * grid, each with its true and predicted class and the predicted probability. Thumbnails are
 * JPEG, embedded, so the file stands alone; fonts are the viewer's, so nothing is rasterised here.
 */
export async function renderTopLosses(options: RenderTopLossesOptions): Promise<string> {
  const columns = options.columns ?? 4;
  const size = options.thumbnailSize ?? 180;
  const captionHeight = 46;
  const gap = 10;
  const chosen = options.misclassified
    .filter((entry) => entry.source !== undefined)
    .slice(0, options.count);
  const cells = await Promise.all(
    chosen.map(async (entry, index) => {
      const source = entry.source as string;
      // Decoded as training decodes (BMP and Netpbm too, EXIF orientation applied).
      const decoded = await decodePixels(await readFile(source), source);
      const pixels =
        options.overlay === undefined ? decoded : await options.overlay(decoded, entry);
      const thumbnail = await sharp(pixels.data, {
        raw: { width: pixels.width, height: pixels.height, channels: 3 },
      })
        .resize({ width: size, height: size, fit: 'inside' })
        .jpeg({ quality: 80 })
        .toBuffer({ resolveWithObject: true });
      const x = gap + (index % columns) * (size + gap);
      const y = gap + Math.floor(index / columns) * (size + captionHeight + gap);
      const offsetX = x + (size - thumbnail.info.width) / 2;
      const offsetY = y + (size - thumbnail.info.height) / 2;
      const truth = options.classNames[entry.label] ?? String(entry.label);
      const predicted = options.classNames[entry.predicted] ?? String(entry.predicted);
      return [
        `<g class="top-loss">`,
        `<image x="${offsetX}" y="${offsetY}" width="${thumbnail.info.width}" height="${thumbnail.info.height}" href="data:image/jpeg;base64,${thumbnail.data.toString('base64')}"/>`,
        `<text x="${x}" y="${y + size + 16}">${escapeXml(`${predicted} ${entry.confidence.toFixed(2)} / true ${truth}`)}</text>`,
        `<text x="${x}" y="${y + size + 34}" class="file">${escapeXml(basename(source))}</text>`,
        '</g>',
      ].join('');
    }),
  );
  const rows = Math.max(1, Math.ceil(chosen.length / columns));
  const width = gap + Math.min(Math.max(1, chosen.length), columns) * (size + gap);
  const height = gap + rows * (size + captionHeight + gap);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    '<style>text{font:13px sans-serif;fill:#222}.file{font-size:11px;fill:#666}</style>',
    `<rect width="${width}" height="${height}" fill="white"/>`,
    ...(chosen.length === 0
      ? [`<text x="${gap}" y="${gap + 16}">no misclassified images</text>`]
      : cells),
    '</svg>',
  ].join('\n');
}

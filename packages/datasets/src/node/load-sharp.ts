import type sharpFunction from 'sharp';

let loading: Promise<typeof sharpFunction> | undefined;

/**
 * sharp, imported on first use (once). The decode prefetch thread decodes plain JPEGs through
 * libjpeg-turbo (turbo-jpeg.ts): when every file goes that way it never loads sharp (~0.08 CPU-s).
 */
export function loadSharp(): Promise<typeof sharpFunction> {
  loading ??= import('sharp').then((module) => module.default);
  return loading;
}

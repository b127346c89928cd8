/** One entry of a contact sheet: an overlay written beside it, or why the image has none. */
export type ContactSheetEntry =
  | {
      /** The image as given on the command line. */
      image: string;
      /** File name of the overlay, relative to the sheet. */
      overlay: string;
      /** Class explained. */
      className: string;
      /** Its probability. */
      probability: number;
    }
  | {
      /** The image as given on the command line. */
      image: string;
      /** Why it was skipped. */
      error: { code: string; message: string };
    };

const escapeHtml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (character) =>
      ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[character] ??
      character,
  );

/**
 * A self-contained HTML page showing every overlay with its image name, class and probability,
 * and the images that could not be read with their error. Overlays are linked, not embedded,
 * so the page stays small and each PNG can be used on its own.
 */
export function contactSheet(options: {
  /** Page title, e.g. the run. */
  title: string;
  /** Entries in command-line order. */
  entries: readonly ContactSheetEntry[];
}): string {
  const figures = options.entries.map((entry) =>
    'error' in entry
      ? `<figure class="skipped"><figcaption><b>${escapeHtml(entry.image)}</b><br>skipped: ${escapeHtml(entry.error.message)}</figcaption></figure>`
      : `<figure><a href="${encodeURI(entry.overlay)}"><img src="${encodeURI(entry.overlay)}" alt="Grad-CAM of ${escapeHtml(entry.image)}"></a><figcaption><b>${escapeHtml(entry.className)}</b> ${entry.probability.toFixed(3)}<br>${escapeHtml(entry.image)}</figcaption></figure>`,
  );
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(options.title)}</title>`,
    '<style>body{font:14px sans-serif;margin:16px}main{display:flex;flex-wrap:wrap;gap:12px}figure{margin:0;width:240px}img{width:240px;height:240px;object-fit:contain;background:#eee}figcaption{word-break:break-all}.skipped{color:#a00}</style>',
    '</head><body>',
    `<h1>${escapeHtml(options.title)}</h1>`,
    '<p>Grad-CAM: red marks where the feature map most supports the class named under each image.</p>',
    `<main>${figures.join('\n')}</main>`,
    '</body></html>',
    '',
  ].join('\n');
}

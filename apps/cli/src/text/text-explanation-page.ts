import type { TextExplanation } from './occlusion-attributions.js';

const escapeHtml = (text: string) =>
  text.replace(
    /[<>&"']/g,
    (character) =>
      ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&#39;' })[character] ??
      character,
  );

/**
 * A self-contained HTML page: each text with every word shaded by its attribution (green speaks
 * for the explained class, red against it, scaled to the text's largest attribution) and the
 * value in the word's tooltip.
 */
export function textExplanationPage(options: {
  /** Page title, e.g. the run. */
  title: string;
  /** Explanations in command-line order. */
  explanations: readonly TextExplanation[];
}): string {
  const sections = options.explanations.map((explanation) => {
    const largest = Math.max(
      1e-9,
      ...explanation.words.map((word) => Math.abs(word.attribution ?? 0)),
    );
    let html = '';
    let position = 0;
    for (const word of explanation.words) {
      html += escapeHtml(explanation.text.slice(position, word.offset));
      const value = word.attribution;
      const strength = value === undefined ? 0 : Math.abs(value) / largest;
      const colour = value !== undefined && value < 0 ? '220, 50, 47' : '38, 139, 34';
      const title = value === undefined ? 'not scored' : value.toFixed(4);
      html += `<span title="${title}" style="background: rgba(${colour}, ${(0.6 * strength).toFixed(3)})">${escapeHtml(word.word)}</span>`;
      position = word.offset + word.word.length;
    }
    html += escapeHtml(explanation.text.slice(position));
    return `<section><h2>${escapeHtml(explanation.className)} ${explanation.probability.toFixed(4)}</h2><p>${html}</p></section>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(options.title)}</title>
<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}p{white-space:pre-wrap;line-height:1.8}h2{font-size:1em}</style>
</head><body><h1>${escapeHtml(options.title)}</h1>
<p>Word occlusion: green words raise the class's probability, red words lower it (hover for the change).</p>
${sections.join('\n')}
</body></html>
`;
}

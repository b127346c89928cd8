import type { TopLevelSpec } from 'vega-lite';

/**
 * Renders a Vega-Lite spec to an SVG document, headless (Vega's SVG renderer needs no canvas or
 * DOM): the charts a run directory holds are files a browser, an editor or a README can show.
 * Vega and Vega-Lite (~0.45 CPU-s of module loading) load on the first chart, not at start-up:
 * every `graft` command imports this module, few draw.
 */
export async function renderChart(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

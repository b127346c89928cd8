import type { TopLevelSpec } from 'vega-lite';

/**
 * Renders a Vega-Lite spec to an SVG document in this thread, headless (Vega's SVG renderer
 * needs no canvas or DOM). Vega and Vega-Lite (~0.45 CPU-s of module loading) load on the first
 * chart, not at start-up: every `graft` command imports this module, few draw.
 */
export async function renderChartHere(spec: TopLevelSpec): Promise<string> {
  const [vega, { compile }] = await Promise.all([import('vega'), import('vega-lite')]);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

import type { FeatureBackboneFactory } from './feature-worker-protocol.js';

/**
 * The backbone factory of the app's worker module (`createFeatureBackbone`, else the default
 * export), as the feature and training worker threads load it; throws naming the module when it
 * exports neither.
 */
export async function importBackboneFactory(module: string): Promise<FeatureBackboneFactory> {
  const imported = (await import(module)) as {
    createFeatureBackbone?: FeatureBackboneFactory;
    default?: FeatureBackboneFactory;
  };
  const create = imported.createFeatureBackbone ?? imported.default;
  if (typeof create !== 'function') {
    throw new TypeError(
      `${module} exports neither createFeatureBackbone nor a default function building the backbone.`,
    );
  }
  return create;
}

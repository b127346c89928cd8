import { backboneRegistry } from '@graft/backbones';
import type { Classifier } from '@graft/trainer';

/**
 * The feature map Grad-CAM explains for a saved classifier: the `featureMapLayer` of its
 * backbone's registered descriptor, or `undefined` (a custom or unregistered backbone, a
 * Teachable Machine export) to let `explain` take the last 4-D tensor of the model.
 */
export function featureMapLayerOf(classifier: Classifier): string | undefined {
  const name = classifier.metadata.graft.backbone?.name;
  if (name === undefined || !backboneRegistry.has(name)) return undefined;
  return backboneRegistry.get(name).featureMapLayer;
}

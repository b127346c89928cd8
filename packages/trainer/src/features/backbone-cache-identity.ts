import { type Backbone, type Preprocessing, resolvePreprocessing } from '@graft/core';
import { canonicalJson } from './canonical-json.js';
import { modelFingerprint } from './model-fingerprint.js';
import { sha256Hex } from './sha256.js';

/**
 * The identity feature caches key a frozen backbone's features by (64 hex digits): SHA-256 of
 * the network's content ({@link modelFingerprint}: architecture, including the feature layer
 * and pooling, and every weight's bytes), its preprocessing with defaults filled
 * ({@link canonicalPreprocessing}) and its `weightsId`. The `weightsId` is a label: it can only
 * split caches (two ids, two caches), never join two networks, since the content decides.
 * Cheap after the first call for the same weights (memoised per model); creates no tensors.
 */
export async function backboneCacheIdentity(backbone: Backbone): Promise<string> {
  const network = await modelFingerprint(backbone.model);
  return sha256Hex(
    [
      'graft-backbone-features-v1',
      `network=${network}`,
      `preprocessing=${canonicalPreprocessing(backbone.preprocessing)}`,
      `label=${JSON.stringify(backbone.weightsId)}`,
    ].join('\n'),
  );
}

/**
 * `preprocessing` as canonical JSON (sorted keys) with every default written out by core's
 * `resolvePreprocessing` (the form saved metadata records), so a policy that spells a default
 * and one that leaves it out share a cache.
 */
export function canonicalPreprocessing(preprocessing: Preprocessing): string {
  return canonicalJson(resolvePreprocessing(preprocessing));
}

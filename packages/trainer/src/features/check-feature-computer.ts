import { type Backbone, InvalidArgumentError } from '@graft/core';
import type { FeatureComputer } from './feature-computer.js';

/** A feature computer must run the same network as `backbone`, or cached rows would mix. */
export function checkFeatureComputer(
  computer: FeatureComputer,
  backbone: Backbone,
  identity: string | undefined,
): void {
  if (computer.featureDim !== backbone.featureDim) {
    throw new InvalidArgumentError({
      argument: 'featureComputer.featureDim',
      value: computer.featureDim,
      expected: `must equal the backbone's featureDim (${backbone.featureDim})`,
    });
  }
  if (computer.weightsId !== undefined && computer.weightsId !== backbone.weightsId) {
    throw new InvalidArgumentError({
      argument: 'featureComputer.weightsId',
      value: computer.weightsId,
      expected: `must equal the backbone's weightsId (${backbone.weightsId})`,
    });
  }
  if (computer.cacheIdentity !== undefined && computer.cacheIdentity !== identity) {
    throw new InvalidArgumentError({
      argument: 'featureComputer.cacheIdentity',
      value: computer.cacheIdentity,
      expected: `must equal the backbone's cacheIdentity (${identity}): the computer runs other weights, architecture or preprocessing than ${backbone.weightsId}`,
    });
  }
}

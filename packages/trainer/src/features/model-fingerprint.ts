import type * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './sha256.js';

type LayerVariable = tfl.LayersModel['weights'][number];

/** A weight under a name that does not depend on generated layer names or trainability. */
interface StableWeight {
  /** `originalName` with each layer name replaced by the layer's position, e.g. `#3/kernel`. */
  name: string;
  value: tf.Tensor;
}

/** A fingerprint and the tensors the model's variables held when it was computed. */
interface Memo {
  dataIds: ReadonlySet<object>;
  fingerprint: Promise<string>;
}

const memos = new WeakMap<tfl.LayersModel, Memo>();

/**
 * Properties of a model's JSON that do not change what it computes: whether layers are trainable
 * (frozen and fine-tuned copies of the same weights compute the same features) and the writer.
 */
const ignoredKeys = new Set(['trainable', 'keras_version', 'backend']);

/**
 * SHA-256 (64 hex digits) of what `model` computes: its architecture (layer classes, configs and
 * connections) and every weight, trainable or not, as name, dtype, shape and bytes. Layer names
 * are replaced by the layers' positions, so generated names (`dense_Dense3`, `kernel_1`) and
 * which layers are frozen do not matter: the same network built twice has one fingerprint.
 *
 * Memoised per model while its variables hold the same tensors: assigning a weight (an optimiser
 * step, `setWeights`, restoring a snapshot) gives the variable another tensor, and the next call
 * hashes again, so fine-tuned weights never share the fingerprint of the weights they came from.
 * Creates no tensors.
 */
export async function modelFingerprint(model: tfl.LayersModel): Promise<string> {
  // getWeights() returns the variables themselves (no copies), and a tensor's data never
  // changes, so the same data ids mean the same values.
  const dataIds = model.getWeights().map((weight) => weight.dataId);
  const memo = memos.get(model);
  if (memo !== undefined && sameSet(memo.dataIds, dataIds)) return memo.fingerprint;
  const entry: Memo = {
    dataIds: new Set(dataIds),
    fingerprint: computeFingerprint(model).then((hashed) => {
      // Weights assigned meanwhile: remember the values that were actually hashed.
      if (memos.get(model) === entry && !sameSet(entry.dataIds, hashed.dataIds)) {
        memos.set(model, {
          dataIds: new Set(hashed.dataIds),
          fingerprint: Promise.resolve(hashed.fingerprint),
        });
      }
      return hashed.fingerprint;
    }),
  };
  memos.set(model, entry);
  entry.fingerprint.catch(() => {
    if (memos.get(model) === entry) memos.delete(model);
  });
  return entry.fingerprint;
}

async function computeFingerprint(
  model: tfl.LayersModel,
): Promise<{ dataIds: readonly object[]; fingerprint: string }> {
  const positions = layerPositions(model);
  for (;;) {
    const weights = stableWeights(model, positions);
    const dataIds = weights.map((weight) => weight.value.dataId);
    // All at once (`data()` reads its data id before its first await, so the bytes are those of
    // `dataIds`): one digest after another left the thread idle between Web Crypto's answers.
    const digests = await Promise.all(weights.map((weight) => weightDigest(weight.value)));
    // A weight assigned while they were hashed starts the hash again, on the new values.
    if (weights.some((weight, index) => weight.value.dataId !== dataIds[index])) continue;
    const fingerprint = await sha256Hex(
      canonicalJson({
        architecture: architectureOf(model, positions),
        weights: weights.map((weight, index) => ({
          name: weight.name,
          dtype: weight.value.dtype,
          shape: weight.value.shape,
          sha256: digests[index],
        })),
      }),
    );
    return { dataIds, fingerprint };
  }
}

async function weightDigest(weight: tf.Tensor): Promise<string> {
  const values = await weight.data();
  const bytes = ArrayBuffer.isView(values)
    ? new Uint8Array(values.buffer, values.byteOffset, values.byteLength)
    : new TextEncoder().encode(JSON.stringify(values));
  return sha256Hex(bytes);
}

/** Each layer's name (nested models' layers too) → `#<position>`, and the model's → `#model`. */
function layerPositions(model: tfl.LayersModel): Map<string, string> {
  const positions = new Map<string, string>();
  for (const layer of allLayers(model.layers)) {
    if (!positions.has(layer.name)) positions.set(layer.name, `#${positions.size}`);
  }
  if (!positions.has(model.name)) positions.set(model.name, '#model');
  return positions;
}

/** Layers in topological order, a nested model's own layers after it. */
function allLayers(layers: readonly tfl.layers.Layer[]): tfl.layers.Layer[] {
  const result: tfl.layers.Layer[] = [];
  for (const layer of layers) {
    result.push(layer);
    const nested = (layer as Partial<tfl.LayersModel>).layers;
    if (Array.isArray(nested)) result.push(...allLayers(nested));
  }
  return result;
}

/**
 * The weights layer by layer, each layer's sorted by renamed original name. `model.weights`
 * lists trainable weights first, so its order changes when layers are frozen; `name` carries a
 * process-wide `_<n>` suffix when a layer name was used before, `originalName` does not.
 */
function stableWeights(model: tfl.LayersModel, positions: Map<string, string>): StableWeight[] {
  const rename = (name: string) =>
    name
      .split('/')
      .map((part) => positions.get(part) ?? part)
      .join('/');
  const seen = new Set<LayerVariable>();
  const result: StableWeight[] = [];
  const take = (variables: readonly LayerVariable[]) => {
    const fresh = variables.filter((variable) => !seen.has(variable));
    for (const variable of fresh) seen.add(variable);
    const named = fresh.map((variable) => ({
      name: rename(variable.originalName),
      value: variable.read(),
    }));
    named.sort((first, second) =>
      first.name < second.name ? -1 : first.name > second.name ? 1 : 0,
    );
    result.push(...named);
  };
  for (const layer of allLayers(model.layers)) {
    // A nested model's weights are its layers', taken when those come.
    if (!Array.isArray((layer as Partial<tfl.LayersModel>).layers)) take(layer.weights);
  }
  take(model.weights);
  return result;
}

/** The model's JSON topology, canonical, with layer names replaced by their positions. */
function architectureOf(model: tfl.LayersModel, positions: Map<string, string>): string {
  let topology: unknown;
  try {
    topology = model.toJSON(null, false);
  } catch {
    // A layer that cannot describe itself: its class and connections still tell networks apart,
    // and the weights' names, shapes and values are hashed anyway.
    topology = model.layers.map((layer) => ({
      className: layer.getClassName(),
      inputs: layer.inboundNodes.map((node) => node.inboundLayers.map((inbound) => inbound.name)),
    }));
  }
  return canonicalJson(topology, {
    ignoredKeys,
    renameString: (value) => positions.get(value) ?? value,
  });
}

function sameSet(set: ReadonlySet<object>, items: readonly object[]): boolean {
  const other = new Set(items);
  return other.size === set.size && [...other].every((item) => set.has(item));
}

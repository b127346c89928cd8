// Registers the built-in backbone descriptors on import (listed in package.json `sideEffects`).
// Each family adds its own `registerBackbone(...)` lines here.
import { convNextTinyDescriptor } from './convnext/convnext-descriptors.js';
import { efficientNetDescriptors } from './efficientnet/efficientnet-descriptors.js';
import { mobileNetV2Descriptors } from './mobilenet-v2/mobilenet-v2-descriptors.js';
import { mobileNetV3Descriptors } from './mobilenet-v3/mobilenet-v3-descriptors.js';
import { backboneRegistry, registerBackbone } from './registry/backbone-registry.js';
import { resNetDescriptors } from './resnet/resnet-descriptors.js';
import { registerSentenceEncoder, sentenceEncoderRegistry } from './text/sentence-encoder.js';
import { useLiteDescriptor } from './text/use-lite.js';

for (const descriptor of mobileNetV2Descriptors()) {
  // A second copy of the package shares the global registry: do not warn about ourselves.
  if (!backboneRegistry.has(descriptor.name)) registerBackbone(descriptor);
}
for (const descriptor of resNetDescriptors) {
  if (!backboneRegistry.has(descriptor.name)) registerBackbone(descriptor);
}
for (const descriptor of [
  ...mobileNetV3Descriptors(),
  ...efficientNetDescriptors(),
  convNextTinyDescriptor,
]) {
  if (!backboneRegistry.has(descriptor.name)) registerBackbone(descriptor);
}
// Text encoders: a separate registry (strings in, vectors out); Node file loading replaces the
// entry when `@graft/backbones/node` is imported.
if (!sentenceEncoderRegistry.has(useLiteDescriptor.name))
  registerSentenceEncoder(useLiteDescriptor);

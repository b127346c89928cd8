// Registers the built-in backbone descriptors on import (listed in package.json `sideEffects`).
// Each family adds its own `registerBackbone(...)` lines here.
import { registerBackbone } from './registry/backbone-registry.js';
import { resNetDescriptors } from './resnet/resnet-descriptors.js';

for (const descriptor of resNetDescriptors) registerBackbone(descriptor);

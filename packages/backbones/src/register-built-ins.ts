// Registers the built-in backbone descriptors on import (listed in package.json `sideEffects`).
// Each family adds its own `registerBackbone(...)` lines here.
export {};

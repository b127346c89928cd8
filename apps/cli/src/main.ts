#!/usr/bin/env node
import { runCli } from './program.js';
import { registerTestBackboneIfAsked } from './testing/test-backbone.js';

await registerTestBackboneIfAsked();
process.exitCode = await runCli({ arguments: process.argv.slice(2) });

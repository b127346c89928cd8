// Runs one bench file in its own process (so backends and memory do not leak between suites).
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

const [file, rowsFile] = process.argv.slice(2);
const module = await import(pathToFileURL(file).href);
const rows = await module.default();
// Peak resident memory of this suite's process (each suite runs alone), for the memory workload.
const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
for (const row of rows) row.peakRssMiB ??= peakRssMiB;
writeFileSync(rowsFile, JSON.stringify(rows));
process.exit(0);

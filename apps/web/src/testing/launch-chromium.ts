import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium; tests never download a browser. */
export const chromiumPath = process.env.GRAFT_CHROMIUM ?? '/usr/bin/chromium';

/** Launches headless Debian Chromium with a fresh profile; fails (never skips) when it is missing. */
export async function launchChromium(): Promise<BrowserContext> {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}: the browser tests need Debian's chromium (sudo apt-get install chromium; CI installs it from .ci/apt-packages.txt).`,
    );
  }
  const userDataDir = await mkdtemp(join(tmpdir(), 'graft-web-chromium-'));
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    viewport: { width: 1280, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

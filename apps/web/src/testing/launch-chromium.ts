import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';

/** Debian's Chromium; tests never download a browser. */
export const chromiumPath = process.env.GRAFT_CHROMIUM ?? '/usr/bin/chromium';

/**
 * Whether the browser suite runs: when Debian's Chromium is installed, or when
 * `GRAFT_REQUIRE_BROWSER=1` (set by `.ci/run`, which installs it) — then a missing browser fails
 * the suite instead of skipping it. On a fresh machine without Chromium the suite is reported as
 * skipped, so the README's test command still passes there.
 */
export const browserTestsEnabled =
  existsSync(chromiumPath) || process.env.GRAFT_REQUIRE_BROWSER === '1';

if (!browserTestsEnabled) {
  console.warn(
    `Skipping the browser tests: no Chromium at ${chromiumPath} (apt-get install chromium; CI sets GRAFT_REQUIRE_BROWSER=1 and installs it).`,
  );
}

/**
 * Launches headless Debian Chromium with a fresh profile; fails when it is missing. `webgpu`
 * turns on WebGPU on SwiftShader's CPU Vulkan (a real adapter, no GPU needed) instead of
 * `--disable-gpu`, so WebGPU code paths run in tests.
 */
export async function launchChromium(
  options: {
    /** Offer WebGPU (SwiftShader adapter). Default false. */
    webgpu?: boolean;
  } = {},
): Promise<BrowserContext> {
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
      ...(options.webgpu
        ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader']
        : ['--disable-gpu']),
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

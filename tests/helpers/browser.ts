import { chromium, type Browser } from 'playwright-core';
import { requireTool } from './tools.ts';

/** Debian's chromium: the tests never download a browser. */
export const CHROMIUM_PATH = process.env.ROOMD_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a headless, quiet browser in a container or CI runner (no sandbox, no GPU, no phoning home). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * True when Debian's `chromium` is installed; otherwise the caller's `describe.skipIf` skips (and
 * under CI=true, `requireTool` throws: CI never goes green by skipping the browser tests).
 */
export function hasChromium(): boolean {
  return requireTool('chromium', 'chromium');
}

/** Launches the system Chromium with playwright-core. Close it in afterAll. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

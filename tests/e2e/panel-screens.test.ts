import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { hasChromium, launchChromium } from '../helpers/browser.ts';
import { checkScreen, closedPort, dictionaryKeys, HELP, roomYaml, TestRegistry, text, waitUntil } from './panel-harness.ts';

/**
 * Every screen of a meeting — idle, progress, failure, meeting, end — at 1280×800, 800×1280 and
 * 390×844, in French and English: no two controls overlap, nothing sticks out of its card, the
 * main action is on screen without scrolling, no stray word (`null`, `undefined`, `NaN`,
 * `[object Object]`), 0 axe-core violations (WCAG 2.1 AA). The start is held on the microphones
 * (their step waits for the array to report muted) so the progress screen can be looked at.
 */
describe.skipIf(!hasChromium())('panel screens at every size and language', () => {
  const registry = new TestRegistry();
  let dir: string;
  let daemon: Daemon | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let keys: string[];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-panel-screens-'));
    keys = await dictionaryKeys();
    const config = roomYaml(dir, await closedPort(), { micsWaitFor: true });
    [daemon, browser] = await Promise.all([
      startDaemon(await parseConfig(config, 'panel.yaml', registry), { port: 0, log: pino({ level: 'silent' }), backoff: { initialMs: 200, maxMs: 1000 } }),
      launchChromium(),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await waitUntil('devices online', () => ['display', 'camera', 'camera-tribune', 'mics', 'codec'].every((id) => daemon!.room.device(id).online));
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('idle, progress, failure, meeting and end pass every check', async () => {
    await page.goto(daemon!.url);
    await page.waitForSelector('body:not(.offline):not(.connecting) #view-idle:not([hidden])');
    await expect.poll(() => page.locator('#dial-chips .chip').count()).toBe(3);
    await checkScreen(page, 'idle', keys, { main: '#start' });

    await page.getByRole('button', { name: 'Démarrer la réunion' }).click();
    await page.waitForSelector('#view-progress:not([hidden])');
    await expect.poll(() => page.locator('#progress-list .step-skipped').count()).toBe(1); // the back display, at once
    await expect.poll(() => page.locator('#progress-list .step-running').count()).toBe(1); // the microphones, held
    await checkScreen(page, 'progress', keys);

    registry.mics!.pressMuteButton(); // the array reports muted: the held step goes on
    await page.waitForSelector('#ack-failures:not([hidden])');
    expect(await text(page.locator('#progress-failures'))).toBe(`« Écran du fond » ne répond pas — appelez le ${HELP}La réunion peut avoir lieu quand même.`);
    await checkScreen(page, 'failure', keys, { main: '#ack-failures' });

    await page.getByRole('button', { name: 'Continuer vers la réunion' }).click();
    await page.waitForSelector('#view-meeting:not([hidden])');
    await expect.poll(() => text(page.locator('#call-status'))).toBe('Pas d’appel en cours');
    await checkScreen(page, 'meeting', keys, { main: '#end' });

    await page.getByRole('button', { name: 'Terminer la réunion' }).click();
    await page.waitForSelector('#view-end:not([hidden])');
    await checkScreen(page, 'end', keys, { main: '#end-confirm' });
    await page.locator('#end-confirm').click();
    await page.waitForSelector('#view-idle:not([hidden])', { timeout: 10_000 });
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  }, 240_000);
});

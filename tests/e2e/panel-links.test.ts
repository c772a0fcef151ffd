import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { a11yProblems, hasChromium, launchChromium } from '../helpers/browser.ts';
import { ARTIFACTS, closedPort, HELP, roomYaml, TestRegistry, text, waitUntil } from './panel-harness.ts';

/** The panel's links: the technician page, a daemon that goes away and comes back, API tokens. */
describe.skipIf(!hasChromium())('touch panel: technician page, lost link, tokens', () => {
  const registry = new TestRegistry();
  let dir: string;
  let config: string;
  let daemon: Daemon | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let port: number;
  const log = pino({ level: 'silent' });
  const pageErrors: string[] = [];
  const start = async (onPort: number) => startDaemon(await parseConfig(config, 'panel.yaml', registry), { port: onPort, log, backoff: { initialMs: 200, maxMs: 1000 } });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-panel-links-'));
    config = roomYaml(dir, await closedPort());
    [daemon, browser] = await Promise.all([start(0), launchChromium()]);
    port = Number(new URL(daemon.url).port);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await waitUntil('display online', () => daemon!.room.device('display').online);
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('technician page (loopback, no PIN): devices with their errors, a raw command, the live log', async () => {
    const tech = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await tech.goto(`${daemon!.url}/tech`);
      await tech.waitForSelector('#tools:not([hidden])');
      const row = tech.locator('#devices tr', { hasText: 'display-back' });
      await expect.poll(() => row.textContent()).toMatch(/offline.*ECONNREFUSED|offline.*DeviceOffline|offline.*refused/i);
      await tech.locator('#cmd-device').selectOption('display');
      await tech.locator('#cmd-name').fill('setVolume');
      await tech.locator('#cmd-args').fill('{ "level": 42 }');
      await tech.getByRole('button', { name: 'Envoyer / Send' }).click();
      await expect.poll(() => tech.locator('#cmd-result').textContent()).toMatch(/^HTTP 200/);
      await waitUntil('the display simulator at volume 42', () => registry.display!.state.volume === 42);
      await expect.poll(() => tech.locator('#log').textContent()).toContain('ok  display.setVolume {"level":42} via panel/tech-local');
      await tech.screenshot({ path: join(ARTIFACTS, 'panel-tech.png'), fullPage: true });
      expect(await a11yProblems(tech)).toEqual([]);
    } finally {
      await tech.close();
    }
  }, 15_000);

  it('says at once when the link to the daemon is lost, with the help line, and recovers by itself', async () => {
    await page.goto(daemon!.url);
    await page.waitForSelector('body:not(.offline):not(.connecting) #view-idle:not([hidden])');
    await daemon!.stop();
    daemon = undefined;
    await page.waitForSelector('body.offline', { timeout: 3000 });
    expect(await text(page.locator('#conn-banner'))).toBe(`Connexion au système perdue — nouvelle tentative en cours… Si cela dure, appelez le ${HELP}.`);
    expect(await page.locator('#main').evaluate((el) => (el as HTMLElement).inert)).toBe(true);
    await page.screenshot({ path: join(ARTIFACTS, 'panel-offline-fr.png') });

    daemon = await start(port);
    await page.waitForSelector('body:not(.offline) #view-idle:not([hidden])', { timeout: 10_000 });
    expect(await text(page.locator('#conn-banner'))).toBe('');
    expect(await page.locator('#main').evaluate((el) => (el as HTMLElement).inert)).toBe(false);
    await expect.poll(() => page.locator('#dial-chips .chip').count()).toBe(3);
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  }, 20_000);

  it('with API tokens: takes the token from the kiosk URL once, and says so plainly when it has none', async () => {
    const token = 'kiosk-token-0123456789';
    const secured = await startDaemon(await parseConfig(`
room: { id: panel-tok, name: "Salle B", locale: fr, organisations: [] }
http: { host: 127.0.0.1, panelPin: "482915", tokens: [{ name: wall, role: panel, token: ${token} }] }
directory: [{ name: "Siège", number: "sip:siege@example.org" }]
`, 'panel-tok.yaml'), { port: 0, log, sessions: null });
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const kiosk = await context.newPage();
      await kiosk.goto(`${secured.url}/?token=${token}`);
      await kiosk.waitForSelector('body:not(.offline):not(.connecting) #view-idle:not([hidden])');
      expect(new URL(kiosk.url()).search).toBe(''); // not left in the address bar
      await expect.poll(() => kiosk.locator('#dial-chips .chip').count()).toBe(2); // config route got the bearer token
      await kiosk.reload(); // kept for the next load
      await kiosk.waitForSelector('body:not(.offline):not(.connecting) #view-idle:not([hidden])');

      const stranger = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
      const page2 = await stranger.newPage();
      await page2.goto(secured.url);
      await expect.poll(() => text(page2.locator('#conn-banner'))).toMatch(/^Ce panneau n’est pas autorisé/);
      expect(await page2.locator('#main').evaluate((el) => (el as HTMLElement).inert)).toBe(true);
      // The technician page asks for the PIN, which the server checks.
      await page2.goto(`${secured.url}/tech`);
      await page2.getByLabel('Code PIN / PIN').fill('111111');
      await page2.getByRole('button', { name: 'Déverrouiller / Unlock' }).click();
      await expect.poll(() => text(page2.locator('#login-error'))).toBe('wrong PIN');
      await page2.getByLabel('Code PIN / PIN').fill('482915');
      await page2.getByRole('button', { name: 'Déverrouiller / Unlock' }).click();
      await page2.waitForSelector('#tools:not([hidden])');
      const cookies = await stranger.cookies();
      expect(cookies.find((c) => c.name === 'roomd_tech')).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
      await stranger.close();
    } finally {
      await context.close();
      await secured.stop();
    }
  }, 20_000);
});

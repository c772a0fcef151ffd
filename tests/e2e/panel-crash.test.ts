import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';
import { hasChromium, launchChromium } from '../helpers/browser.ts';
import { checkScreen, dictionaryKeys, HELP, SIZES, text } from './panel-harness.ts';

/**
 * The daemon as a real process, killed with SIGKILL during a meeting: the panel says at once that
 * the link is lost (with the help line, under the header, never over the screen's title), and
 * when the daemon is back — the meeting closed `interrupted` — it says the meeting was
 * interrupted and what to do, instead of silently offering « Démarrer la réunion » again.
 */
describe.skipIf(!hasChromium())('panel after a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-panel-crash-'));
  const configFile = join(dir, 'room.yaml');
  const daemons: ChildDaemon[] = [];
  let browser: Browser | undefined;
  let page: Page;
  let keys: string[];
  const pageErrors: string[] = [];
  const writeConfig = (port: number) => writeFileSync(configFile, `
room: { id: crash, name: "Salle du Conseil", locale: fr, helpLine: "${HELP}", organisations: [] }
http: { host: 127.0.0.1, port: ${port} }
sessions:
  database: ${join(dir, 'sessions.db')}
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
  mics: { driver: shure-dcs, transport: { type: sim } }
scenes:
  meetingStart: [ { device: display, command: powerOn }, { device: mics, command: unmuteMicrophones } ]
  meetingEnd: [ { device: display, command: powerOff } ]
`);

  beforeAll(async () => {
    keys = await dictionaryKeys();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    page.on('pageerror', (err) => pageErrors.push(err.message));
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    for (const d of daemons) await d.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('says the link is lost, then that the meeting was interrupted and what to do', async () => {
    writeConfig(0);
    const first = await spawnDaemon(configFile, {}, 40_000);
    daemons.push(first);
    await page.goto(first.url);
    await page.waitForSelector('body:not(.offline):not(.connecting) #view-idle:not([hidden])');
    expect(await page.locator('#crash-notice').isHidden()).toBe(true);
    await page.getByRole('button', { name: 'Démarrer la réunion' }).click();
    await page.waitForSelector('#view-meeting:not([hidden])', { timeout: 30_000 });

    expect(await first.kill('SIGKILL')).toBe('SIGKILL');
    await page.waitForSelector('body.offline', { timeout: 15_000 });
    expect(await text(page.locator('#conn-banner'))).toBe(`Connexion au système perdue — nouvelle tentative en cours… Si cela dure, appelez le ${HELP}.`);
    expect(await page.locator('#main').evaluate((el) => (el as HTMLElement).inert)).toBe(true);
    // The banner sits between the header and the screen: it covers neither the room's name nor any control.
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      const [banner, title, main] = await Promise.all(['#conn-banner', '#room-name', '#main'].map((s) => page.locator(s).boundingBox()));
      expect(banner!.y, `banner under the title (${size.name})`).toBeGreaterThanOrEqual(title!.y + title!.height);
      expect(main!.y, `the screen under the banner (${size.name})`).toBeGreaterThanOrEqual(banner!.y + banner!.height - 1);
    }
    await checkScreen(page, 'lost-link', keys, { main: '#end' });

    // Back on the same port: the open session was closed as interrupted at start-up.
    writeConfig(Number(new URL(first.url).port));
    const second = await spawnDaemon(configFile, {}, 40_000);
    daemons.push(second);
    await page.waitForSelector('body:not(.offline) #view-idle:not([hidden])', { timeout: 30_000 });
    const notice = page.locator('#crash-notice');
    await expect.poll(() => notice.isVisible()).toBe(true);
    expect(await text(notice.locator('#crash-title'))).toBe('La réunion précédente a été interrompue');
    expect(await text(notice.locator('#crash-text'))).toMatch(/^Le système a redémarré pendant la réunion commencée à \d\d:\d\d\. Pour continuer, touchez « Démarrer la réunion » : la salle sera rallumée\.$/);
    expect(await text(notice.locator('#crash-help'))).toBe(`Si quelque chose ne marche pas, appelez le ${HELP}.`);
    await checkScreen(page, 'after-crash', keys, { main: '#start' });
    await page.getByRole('button', { name: 'Switch the panel to English' }).click();
    expect(await text(notice.locator('#crash-title'))).toBe('The previous meeting was interrupted');
    await page.getByRole('button', { name: 'Passer le panneau en français' }).click();

    // Seen: it goes away, and stays away after a reload (and so after any reconnect).
    await page.getByRole('button', { name: 'J’ai compris' }).click();
    await expect.poll(() => notice.isHidden()).toBe(true);
    expect(await page.evaluate('document.activeElement?.id')).toBe('start');
    await page.reload();
    await page.waitForSelector('body:not(.offline):not(.connecting) #view-idle:not([hidden])');
    await page.waitForTimeout(300);
    expect(await notice.isHidden()).toBe(true);
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
    expect(await second.kill('SIGTERM')).toBe(0);
  }, 180_000);
});

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { a11yProblems, contrastProblems, hasChromium, launchChromium } from '../helpers/browser.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';
import { fleetRoomYaml, RESEND_MS, startFleetRoom, testCollector, type TestCollector } from '../helpers/fleet.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { ARTIFACTS, axeViolations, closedPort, layoutProblems, strayWords, text } from './panel-harness.ts';

const ok = requireTool('mosquitto', 'mosquitto') && hasChromium();

/** Generous: a loaded 2-core machine; rooms re-send every RESEND_MS, the page polls rooms every 10 s. */
const ARRIVES_MS = 20 * RESEND_MS;
const POLL_MS = 30_000;

/** Tablet upright and landscape, and a desk screen: where the fleet page is read. */
const SIZES = [
  { width: 800, height: 1280 },
  { width: 1280, height: 800 },
  { width: 1920, height: 1080 },
];

const card = (page: Page, room: string) => page.locator(`li[data-room="${room}"]`);
const field = (page: Page, room: string, name: string) => text(card(page, room).locator(`[data-field="${name}"]`));
const total = (page: Page, name: string) => text(page.locator(`[data-total="${name}"]`));
/** A table's body rows as arrays of cell texts (no-break spaces made plain). */
async function rows(page: Page, table: string): Promise<string[][]> {
  const cells = page.locator(`#${table} tbody tr`);
  const out: string[][] = [];
  for (let i = 0; i < (await cells.count()); i++) {
    out.push((await cells.nth(i).locator('th, td').allTextContents()).map((c) => c.replace(/[\u00a0\u202f]/g, ' ').trim()));
  }
  return out;
}

/**
 * The fleet page in Chromium against a real collector and two real room daemons on a real
 * Mosquitto: r1 all well, r2 with a second display on a closed port (a real fault). Meetings are
 * held through the rooms' own REST API and reach the collector over MQTT. In order: the rooms and
 * their state, the figures, English, accessibility and layout, the CSV, a room stopping; then a
 * second collector with tokens for the token prompt and a collector going away.
 */
describe.skipIf(!ok)('fleet page', () => {
  let broker: Mosquitto;
  let fleet: TestCollector;
  let r1: TestDaemon;
  let r2: TestDaemon;
  let r2Stopped = false;
  let guarded: TestCollector | undefined;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const year = new Date().getFullYear();
  const month = new Intl.DateTimeFormat('fr-FR', { month: 'long', year: 'numeric' }).format(new Date());
  const monthFr = month.charAt(0).toUpperCase() + month.slice(1);

  beforeAll(async () => {
    broker = await startMosquitto();
    fleet = testCollector(broker.url);
    await fleet.start();
    const dead = await closedPort();
    r1 = await startFleetRoom('r1', broker.url);
    const r2Yaml = `${fleetRoomYaml('r2', broker.url, '$DIR/sessions.db')}  display-back:
    driver: samsung-mdc
    name: "Écran du fond"
    transport: { type: tcp, host: 127.0.0.1, port: ${dead} }
    options: { replyTimeoutMs: 300 }
`;
    r2 = await startTestDaemon(r2Yaml, { mqtt: { fleet: { intervalMs: RESEND_MS } } });
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris', acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (err) => pageErrors.push(err.message));
    await eventually(() => fleet.get('/api/v1/fleet/rooms'), (r) => r.body.rooms?.filter((x: any) => x.online).length === 2, 15_000);
    // Self-tests: r1's passes, r2's fails on the display that never answers; both reach the collector.
    expect((await r1.api('POST', '/api/v1/selftest')).status).toBe(200);
    expect((await r2.api('POST', '/api/v1/selftest')).status).toBe(200);
    await eventually(() => fleet.get('/api/v1/fleet/rooms'), (r) => r.body.rooms?.every((x: any) => x.selftest) && r.body.rooms[1].faults.length === 1, ARRIVES_MS);
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await r1?.close();
    if (!r2Stopped) await r2?.close();
    await guarded?.close();
    await fleet?.close();
    await broker?.close();
  });

  it('shows both rooms with their name, state, self-test, faults and when they were last heard from, in French', async () => {
    await page.goto(fleet.current!.url);
    await expect.poll(() => page.locator('li[data-room]').count()).toBe(2);
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    expect(await text(page.locator('h1'))).toBe('Salles du territoire');
    expect(await text(card(page, 'r1').locator('h3'))).toBe('Salle une (r1)');
    expect(await text(card(page, 'r2').locator('h3'))).toBe('r2');
    for (const room of ['r1', 'r2']) {
      expect(await field(page, room, 'online')).toBe('En ligne');
      expect(await field(page, room, 'meeting')).toBe('Libre');
      expect(await field(page, room, 'last-seen')).toMatch(/^(maintenant|il y a \d+ (secondes?|minutes?))$/);
    }
    expect(await field(page, 'r1', 'selftest')).toMatch(/^réussi (maintenant|il y a )/);
    expect(await field(page, 'r1', 'faults')).toBe('aucun');
    expect(await field(page, 'r2', 'selftest')).toMatch(/^en échec (maintenant|il y a .+) : display-back \(answers, power\)$/);
    expect(await field(page, 'r2', 'faults')).toBe('Écran du fond — hors ligne');
    expect(await text(page.locator('#rooms-count'))).toBe('2 en ligne sur 2');
  });

  it('shows a meeting in progress, then the meetings held in the figures by room, organisation and month, French style', async () => {
    const start = await r2.api('POST', '/api/v1/meeting/start', { avoidedTravel: [{ site: 'montpellier', people: 1 }] });
    expect(start.status).toBe(200);
    await eventually(() => fleet.get('/api/v1/fleet/rooms'), (r) => r.body.rooms[1].meeting.active, ARRIVES_MS);
    await page.reload();
    await expect.poll(() => field(page, 'r2', 'meeting')).toBe('Réunion en cours');
    expect((await r2.api('POST', '/api/v1/meeting/end', {})).status).toBe(200);
    const r1Start = await r1.api('POST', '/api/v1/meeting/start', { organisation: 'Parc naturel régional', avoidedTravel: [{ site: 'montpellier', people: 12 }] });
    expect(r1Start.status).toBe(200);
    expect((await r1.api('POST', '/api/v1/meeting/end', {})).status).toBe(200);
    const report = await eventually(async () => (await fleet.get('/api/v1/fleet/report')).body, (b) => b.sessions === 2, ARRIVES_MS);
    // What the page must show, from what the rooms recorded: 12 × 220 km and 1 × 220 km.
    expect(report.kmAvoided).toBe(2860);
    expect(report.byRoom.map((r: any) => Math.round(r.co2Kg))).toEqual([644, 54]);

    await page.reload();
    await expect.poll(() => field(page, 'r2', 'meeting')).toBe('Libre');
    expect(await page.inputValue('#from')).toBe(`${year}-01-01`);
    expect(await page.inputValue('#to')).toBe(`${year}-12-31`);
    await expect.poll(() => total(page, 'sessions')).toBe('2');
    expect(await text(page.locator('#figures-status'))).toBe(`Du 1 janvier ${year} au 31 décembre ${year}`);
    expect(await total(page, 'km')).toBe('2 860 km');
    expect(await total(page, 'co2')).toBe('0,70 t');
    expect(await total(page, 'duration')).toMatch(/^\d+ min$/);
    // The narrow no-break space groups thousands and a no-break space holds the unit: one line, French.
    expect(await page.locator('[data-total="km"]').textContent()).toBe('2\u202f860\u00a0km');
    expect(await rows(page, 'by-room')).toEqual([
      ['Salle une', '1', expect.stringMatching(/ min$/), '2 640 km', '0,64 t'],
      ['r2', '1', expect.stringMatching(/ min$/), '220 km', '54 kg'],
    ]);
    expect(await rows(page, 'by-organisation')).toEqual([
      ['Parc naturel régional', '1', expect.any(String), '2 640 km', '0,64 t'],
      ['Sans organisation', '1', expect.any(String), '220 km', '54 kg'],
    ]);
    expect(await rows(page, 'by-month')).toEqual([[monthFr, '2', expect.any(String), '2 860 km', '0,70 t']]);
    expect(await page.locator('#by-room thead th').allTextContents()).toEqual(['Salle', 'Réunions', 'Durée', 'Kilomètres évités', 'CO₂ évité']);
  }, 90_000);

  it('switches to English and back: words, numbers and months change, the figures do not', async () => {
    await page.getByRole('button', { name: 'Switch the page to English' }).click();
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    expect(await text(page.locator('h1'))).toBe('Rooms of the territory');
    expect(await field(page, 'r1', 'online')).toBe('Online');
    expect(await field(page, 'r2', 'faults')).toBe('Écran du fond — offline');
    expect(await total(page, 'km')).toBe('2,860 km');
    expect(await total(page, 'co2')).toBe('0.70 t');
    const monthEn = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric' }).format(new Date());
    expect(await rows(page, 'by-month')).toEqual([[monthEn, '2', expect.any(String), '2,860 km', '0.70 t']]);
    expect((await rows(page, 'by-organisation'))[1]![0]).toBe('No organisation');
    expect(await text(page.locator('#figures-status'))).toBe(`From 1 January ${year} to 31 December ${year}`);
    // The choice holds across a reload (this tab's session), then French again.
    await page.reload();
    await expect.poll(() => text(page.locator('h1'))).toBe('Rooms of the territory');
    await page.getByRole('button', { name: 'Passer la page en français' }).click();
    expect(await text(page.locator('h1'))).toBe('Salles du territoire');
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
  });

  it('has no axe violations, layout, contrast or stray-word problems at tablet and desktop widths, in both languages', async () => {
    // The page's own browser module (plain JS, no types), as the panel's dictionary is read.
    const { DICTIONARIES } = (await import('../../src/fleet/page/public/i18n.js' as string)) as { DICTIONARIES: Record<string, Record<string, string>> };
    const keys = Object.keys(DICTIONARIES.fr!);
    for (const locale of ['fr', 'en']) {
      if (locale === 'en') await page.getByRole('button', { name: 'Switch the page to English' }).click();
      for (const size of SIZES) {
        await page.setViewportSize(size);
        await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
        const where = `${locale}, ${size.width}×${size.height}`;
        await page.screenshot({ path: join(ARTIFACTS, `fleet-${locale}-${size.width}x${size.height}.png`), fullPage: true });
        expect(await layoutProblems(page), `layout (${where})`).toEqual([]);
        expect(await strayWords(page, keys), `stray words (${where})`).toEqual([]);
        expect(await axeViolations(page), `axe-core (${where})`).toEqual([]);
        expect(await contrastProblems(page), `contrast (${where})`).toEqual([]);
        expect(await a11yProblems(page), `accessibility (${where})`).toEqual([]);
      }
      if (locale === 'en') await page.getByRole('button', { name: 'Passer la page en français' }).click();
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 90_000);

  it('downloads the CSV of the period shown, and a period with no meeting says so', async () => {
    const download = async () => {
      const [file] = await Promise.all([page.waitForEvent('download'), page.locator('#csv').click()]);
      return readFileSync((await file.path())!, 'utf8').trim().split('\r\n');
    };
    const lines = await download();
    expect(lines[0]).toMatch(/^room,id,organisation,/);
    expect(lines.slice(1).map((l) => l.split(',')[0]).sort()).toEqual(['r1', 'r2']);

    await page.fill('#from', `${year - 5}-01-01`);
    await page.fill('#to', `${year - 5}-12-31`);
    await page.getByRole('button', { name: 'Afficher' }).click();
    await expect.poll(() => total(page, 'sessions')).toBe('0');
    expect(await text(page.locator('#figures-status'))).toBe(`Du 1 janvier ${year - 5} au 31 décembre ${year - 5} — Aucune réunion sur cette période.`);
    expect(await page.locator('#csv').getAttribute('href')).toBe(`/api/v1/fleet/sessions.csv?from=${year - 5}-01-01&to=${year - 5}-12-31`);
    expect(await download()).toHaveLength(1);
  });

  it('shows a room that stopped as offline at the next refresh, without a reload', async () => {
    await r2.close();
    r2Stopped = true;
    await expect.poll(() => field(page, 'r2', 'online'), { timeout: POLL_MS }).toBe('Hors ligne');
    expect(await field(page, 'r1', 'online')).toBe('En ligne');
    expect(await text(page.locator('#rooms-count'))).toBe('1 en ligne sur 2');
    expect(pageErrors).toEqual([]);
  }, 60_000);

  it('asks for a token when the collector wants one, keeps it for the tab, shows a configured room it never heard from, and says so in words when the collector goes away', async () => {
    guarded = testCollector(broker.url, undefined, {
      http: '{ port: 0, tokens: [{ name: lead, token: "s3cret-fleet-token", role: readonly }] }',
      rooms: '{ r1: { name: "Salle une" }, r9: { name: "Salle neuf" } }',
    });
    await guarded.start();
    await page.goto(guarded.current!.url);
    const tokenField = page.getByLabel('Jeton d’accès');
    await expect.poll(() => tokenField.isVisible()).toBe(true);
    expect(await tokenField.getAttribute('type')).toBe('password');
    expect(await text(page.locator('#auth-text'))).toMatch(/^Le collecteur demande un jeton d’accès\./);
    expect(await page.locator('li[data-room]').count()).toBe(0);

    await tokenField.fill('wrong');
    await page.getByRole('button', { name: 'Valider' }).click();
    await expect.poll(() => text(page.locator('#auth-text'))).toMatch(/^Ce jeton n’est pas accepté par le collecteur\./);

    await tokenField.fill('s3cret-fleet-token');
    await page.getByRole('button', { name: 'Valider' }).click();
    await expect.poll(() => page.locator('li[data-room]').count(), { timeout: POLL_MS }).toBe(3);
    expect(await page.locator('#auth').isHidden()).toBe(true);
    // r9 is named in the config but has never published: listed, offline, never heard from.
    expect(await text(card(page, 'r9').locator('h3'))).toBe('Salle neuf (r9)');
    expect(await field(page, 'r9', 'online')).toBe('Hors ligne');
    expect(await field(page, 'r9', 'last-seen')).toBe('jamais');
    // This collector joined after the sessions were acked by the first one: it knows the rooms (retained), not them.
    await expect.poll(() => total(page, 'sessions')).toBe('0');
    expect(await page.evaluate('sessionStorage.getItem("roomd-fleet-token")')).toBe('s3cret-fleet-token');
    // With a token the CSV link cannot rely on the browser: the page fetches it with the header.
    const [file] = await Promise.all([page.waitForEvent('download'), page.locator('#csv').click()]);
    expect(readFileSync((await file.path())!, 'utf8').trim().split('\r\n')[0]).toMatch(/^room,id,/);

    await page.reload();
    await expect.poll(() => page.locator('li[data-room]').count()).toBe(3);
    expect(await page.locator('#auth').isHidden()).toBe(true);

    await guarded.stop();
    await expect.poll(() => text(page.locator('#error')), { timeout: POLL_MS }).toBe('Le collecteur ne répond pas. Nouvelle tentative dans quelques secondes.');
    expect(await page.locator('li[data-room]').count()).toBe(3);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});

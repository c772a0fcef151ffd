import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { hasChromium } from '../helpers/browser.ts';
import { axeViolations, checkScreen, dictionaryKeys, HELP, openPanel, showIdle, TestRegistry, text, waitUntil, type OpenPanel } from './panel-harness.ts';

/**
 * The panel and the room's calendar, in Chromium, against a daemon reading an ICS file (Europe/Paris,
 * 31 March 2026, its clock moved there) with simulated devices: today's bookings and the next one in
 * the room's time zone (the tablet is set to New York on purpose), « Démarrer » starting the booking
 * whose time has come (organisation, title and SIP address from the calendar), and the self-test run
 * from the technician page — « Salle prête », then the display unplugged and named, with the help line.
 */

const FIXTURE = fileURLToPath(new URL('../fixtures/calendar/panel-day.ics', import.meta.url));
const RIOLS = 'riols-conseil-20260331@riols.fr';
const RIOLS_SIP = 'sip:prefecture-34@visio.interieur.gouv.fr';
/** 13:52 in Paris: eight minutes before the Riols council, inside the window « Démarrer » offers it in. */
const TEST_TIME = Date.parse('2026-03-31T11:52:00Z');
/** Waits for what the daemon and the page do in their own time: generous, a busy machine is slow. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

describe.skipIf(!hasChromium())('panel: bookings and the self-test in Chromium', () => {
  const registry = new TestRegistry();
  let screen: MdcSimulator;
  let screenPort: number;
  let panel: OpenPanel | undefined;
  let page: Page;
  let keys: string[];
  const sockets: string[] = [];
  const pings: number[] = [];
  // The daemon's clock runs at the real pace from TEST_TIME; the page's clock is set to the same instant.
  let offset = TEST_TIME - Date.now();
  const now = () => new Date(Date.now() + offset);
  /** Moves both clocks (the daemon's and the page's) to `iso`, as if the room had waited until then. */
  const jumpTo = async (iso: string) => {
    offset = Date.parse(iso) - Date.now();
    await page.clock.setSystemTime(now());
    await panel!.daemon.bookings!.scheduler.tick();
  };
  const api = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(panel!.daemon.url + path, { method, ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    keys = await dictionaryKeys();
    screen = new MdcSimulator();
    screenPort = await screen.listen(0);
    panel = await openPanel({
      prefix: 'panel-bookings',
      registry,
      daemon: { clock: { now } },
      context: { timezoneId: 'America/New_York' },
      yaml: (dir) => {
        copyFileSync(FIXTURE, join(dir, 'panel-day.ics'));
        return `
room:
  id: panel-bookings
  name: "Maison du Tourisme — salle de visioconférence"
  locale: fr
  helpLine: "${HELP}"
  timezone: Europe/Paris
  organisations: ["PNR", "Commune de Riols", "Office de tourisme"]
http: { host: 127.0.0.1, port: 0 }
sessions: { database: ${JSON.stringify(join(dir, 'sessions.db'))} }
calendar: { url: ./panel-day.ics, refreshSeconds: 3600, prepareMinutes: 0 }
devices:
  display: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${screenPort} } }
  mics: { driver: shure-dcs, transport: { type: sim } }
  codec: { driver: baresip, transport: { type: sim, options: { ringMs: 50, answerMs: 100 } } }
scenes:
  # The microphones' step waits for the array to report muted: the start is held on the progress
  # screen until the test presses the array's own button, so that screen can be looked at.
  meetingStart: [ { device: display, command: powerOn }, { device: mics, command: unmuteMicrophones, waitFor: { micMuted: true }, timeoutMs: 60000 } ]
  meetingEnd: [ { device: display, command: powerOff }, { device: mics, command: muteMicrophones } ]
`;
      },
    });
    page = panel.page;
    // Every socket the page opens, and the heartbeats it sends on them.
    page.on('websocket', (ws) => {
      sockets.push(ws.url());
      ws.on('framesent', (frame) => {
        if (typeof frame.payload === 'string' && frame.payload.includes('"ping"')) pings.push(Date.now());
      });
    });
    await page.clock.install({ time: now() });
    await panel.daemon.bookings!.calendar.refresh();
    await panel.daemon.bookings!.scheduler.tick();
    await waitUntil('devices online', () => ['display', 'mics', 'codec'].every((id) => panel!.daemon.room.device(id).online), 20_000);
  }, 60_000);

  afterAll(async () => {
    await panel?.close();
    await screen?.close();
  });

  const rows = () => page.locator('#bookings-list li').evaluateAll((items) => items.map((li) => (li.textContent ?? '').replace(/[\u00a0\u202f]/g, ' ')));

  it('shows the next booking and today’s list in the room’s time zone, and offers the booking whose time has come', async () => {
    await showIdle(page, panel!.daemon.url);
    await poll(() => text(page.locator('#next-line'))).toBe('Prochaine réunion : 14 h 00 — Commune de Riols');
    await poll(rows).toEqual([
      '8 h 30 – 9 h 30PNRPoint d’équipeTerminée',
      '11 h 00 – 12 h 00Commune de RiolsCommission des travauxAnnulée',
      '14 h 00 – 16 h 00Commune de RiolsConseil municipal — visio avec la préfecture',
      '16 h 30 – 17 h 30Office de tourismePermanence d’accueil des porteurs de projets',
    ]);
    // Eight minutes before it: « Démarrer » starts the booking, the usual choices step aside.
    await page.waitForSelector('#booking-start:not([hidden])');
    expect(await text(page.locator('#booking-who'))).toBe('Commune de Riols');
    expect(await text(page.locator('#booking-what'))).toBe('Conseil municipal — visio avec la préfecture');
    expect(await text(page.locator('#booking-when'))).toBe('14 h 00 – 16 h 00 · L’appel visio partira au démarrage.');
    expect(await page.locator('#org-group').isHidden()).toBe(true);
    expect(await page.locator('#start').getAttribute('aria-describedby')).toBe('booking-start');
    expect(await page.evaluate('document.body.innerText')).not.toContain('sip:');

    await page.getByRole('button', { name: 'Switch the panel to English' }).click();
    await poll(() => text(page.locator('#next-line'))).toBe('Next meeting: 2:00 pm — Commune de Riols');
    expect((await rows())[0]).toBe('8:30 am – 9:30 amPNRPoint d’équipeOver');
    expect(await text(page.locator('#booking-when'))).toBe('2:00 pm – 4:00 pm · The video call will be dialled when you start.');
    await page.getByRole('button', { name: 'Passer le panneau en français' }).click();

    // « Autre réunion »: the usual start for someone else, and a way back to the booking.
    await page.getByRole('button', { name: 'Autre réunion' }).click();
    await page.waitForSelector('#org-group:not([hidden])');
    expect(await text(page.locator('#booking-offer-text'))).toBe('Réservation 14 h 00 – 16 h 00 : Commune de Riols');
    await checkScreen(page, 'bookings-other', keys, { main: '#start' });
    await page.getByRole('button', { name: 'Reprendre la réservation' }).click();
    await page.waitForSelector('#booking-start:not([hidden])');
    await checkScreen(page, 'bookings', keys, { main: '#start' });
  }, 180_000);

  it('runs the self-test from the technician page; the panel says the room is ready, then names the device that went offline', async () => {
    expect(await page.locator('#selftest').isHidden()).toBe(true); // none has run yet
    const tech = await page.context().newPage();
    try {
      await tech.goto(`${panel!.daemon.url}/tech`);
      await tech.waitForSelector('#tools:not([hidden])');
      await poll(() => text(tech.locator('#selftest-summary'))).toBe('Pas encore lancé / Not run yet');
      await tech.getByRole('button', { name: /Lancer l’autotest/ }).click();
      const checks = () => tech.locator('#selftest-checks tr').evaluateAll((trs) => trs.map((tr) => Array.from(tr.children).slice(0, 3).map((c) => c.textContent).join(' ')));
      await poll(checks).toEqual(['display answers ok', 'display power ok', 'mics answers ok', 'codec answers ok']);
      expect(await text(tech.locator('#selftest-summary'))).toMatch(/^Salle prête \/ Room ready — 2026-03-31 \d\d:\d\d:\d\d UTC \(panel\)$/);

      const ready = (await api('GET', '/api/v1/selftest')).body;
      expect(ready).toMatchObject({ ok: true, reason: 'panel' });
      const at = new Date(ready.at);
      const time = `${at.getUTCHours() + 2} h ${String(at.getUTCMinutes()).padStart(2, '0')}`; // CEST
      await poll(() => text(page.locator('#selftest-title'))).toBe('✓ Salle prête');
      expect(await text(page.locator('#selftest-when'))).toBe(`Autotest de ${time}`);
      await checkScreen(page, 'bookings-ready', keys, { main: '#start' });

      // The display is unplugged: the next self-test names it, with the help line, on both pages.
      await screen.close();
      await waitUntil('display offline', () => !panel!.daemon.room.device('display').online, 20_000);
      await tech.getByRole('button', { name: /Lancer l’autotest/ }).click();
      await poll(checks).toEqual(['display answers FAIL', 'display power FAIL', 'mics answers ok', 'codec answers ok']);
      expect(await text(tech.locator('#selftest-checks tr[data-device="display"]').first())).toMatch(/^displayanswersFAIL[\d.]+offline/);
      expect(await axeViolations(tech), 'axe-core on the technician page').toEqual([]);
      await poll(() => text(page.locator('#selftest-title'))).toBe('Autotest : quelque chose ne va pas');
      expect(await text(page.locator('#selftest-problems'))).toBe(`L’écran ne répond pas — appelez le ${HELP}`);
      await page.getByRole('button', { name: 'Switch the panel to English' }).click();
      await poll(() => text(page.locator('#selftest-problems'))).toBe(`The screen is not responding — call ${HELP}`);
      expect(await text(page.locator('#selftest-title'))).toBe('Self-test: something is wrong');
      await page.getByRole('button', { name: 'Passer le panneau en français' }).click();
      await checkScreen(page, 'bookings-fault', keys, { main: '#start' });
    } finally {
      await tech.close();
    }
    // The display comes back on the same port for the meeting.
    screen = new MdcSimulator();
    await screen.listen(screenPort);
    await waitUntil('display back online', () => panel!.daemon.room.device('display').online, 20_000);
    // The last self-test still says what it found, but no longer sends anyone to the phone for it.
    await poll(() => text(page.locator('#selftest-problems'))).toBe('Écran : ne répondait pas, répond de nouveau');
    expect(await text(page.locator('#selftest-title'))).toBe('✓ Salle prête');
  }, 180_000);

  it('starts the booked meeting: organisation, title and the SIP address to dial come from the booking', async () => {
    const shown = page.waitForSelector('#progress-who:not([hidden])');
    await page.getByRole('button', { name: 'Démarrer la réunion' }).click();
    await shown;
    expect(await text(page.locator('#progress-who'))).toBe('Commune de Riols — Conseil municipal — visio avec la préfecture');
    await poll(() => page.locator('#progress-list .step-running').count()).toBe(1); // the microphones, held
    await checkScreen(page, 'bookings-progress', keys);
    registry.mics!.pressMuteButton();
    await page.waitForSelector('#view-meeting:not([hidden])', { timeout: 20_000 });
    await waitUntil('the call is up', () => registry.codec?.call()?.state === 'ESTABLISHED', 15_000);
    expect(registry.codec!.call()!.peer).toBe(RIOLS_SIP);
    await poll(() => text(page.locator('#call-status'))).toBe('En communication avec prefecture-34');

    const state = (await api('GET', '/api/v1/state')).body;
    const id = state.meeting.session.id;
    expect((await api('GET', `/api/v1/sessions/${id}`)).body).toMatchObject({
      organisation: 'Commune de Riols',
      title: 'Conseil municipal — visio avec la préfecture',
      bookingId: RIOLS,
    });

    await page.getByRole('button', { name: 'Terminer la réunion' }).click();
    await page.locator('#end-confirm').click();
    await page.waitForSelector('#view-idle:not([hidden])', { timeout: 20_000 });
    const session = (await api('GET', `/api/v1/sessions/${id}`)).body;
    expect(session.dialed.map((c: { number: string }) => c.number)).toEqual([RIOLS_SIP]);
    expect((await api('GET', '/api/v1/bookings?from=2026-03-31&to=2026-03-31')).body.bookings.find((b: { id: string }) => b.id === RIOLS).status).toBe('held');

    // Held: the next booking moves on (the core's `next`), and outside a booking the usual start is back.
    await poll(() => text(page.locator('#next-line'))).toBe('Prochaine réunion : 16 h 30 — Office de tourisme');
    await poll(async () => (await rows())[2]).toBe('14 h 00 – 16 h 00Commune de RiolsConseil municipal — visio avec la préfectureTenue');
    expect(await page.locator('#booking-start').isHidden()).toBe(true);
    expect(await page.locator('#org-group').isVisible()).toBe(true);
  }, 120_000);

  it('shows a booking in progress as such, and offers it while it lasts', async () => {
    // 16:35 in Paris: the Office de tourisme's booking began five minutes ago and nobody started it yet.
    await jumpTo('2026-03-31T14:35:00Z');
    await poll(() => text(page.locator('#next-line'))).toBe('Réunion en cours depuis 16 h 30 : Office de tourisme');
    await poll(rows).toEqual([
      '8 h 30 – 9 h 30PNRPoint d’équipeTerminée',
      '11 h 00 – 12 h 00Commune de RiolsCommission des travauxAnnulée',
      '14 h 00 – 16 h 00Commune de RiolsConseil municipal — visio avec la préfectureTenue',
      '16 h 30 – 17 h 30Office de tourismePermanence d’accueil des porteurs de projetsEn cours',
    ]);
    await page.waitForSelector('#booking-start:not([hidden])');
    expect(await text(page.locator('#booking-who'))).toBe('Office de tourisme');
    expect(await text(page.locator('#booking-when'))).toBe('16 h 30 – 17 h 30'); // no SIP room: no call announced
    await page.getByRole('button', { name: 'Switch the panel to English' }).click();
    await poll(() => text(page.locator('#next-line'))).toBe('Meeting in progress since 4:30 pm: Office de tourisme');
    await page.getByRole('button', { name: 'Passer le panneau en français' }).click();
    await checkScreen(page, 'bookings-now', keys, { main: '#start' });

    // 17:30: the day is over; it says so quietly, and the usual start is back.
    await jumpTo('2026-03-31T15:30:00Z');
    await poll(() => text(page.locator('#next-line'))).toBe('Plus aucune réunion prévue aujourd’hui.');
    expect(await page.locator('#next-line').getAttribute('class')).toContain('next-line-quiet');
    await page.waitForSelector('#booking-start[hidden]', { state: 'attached' });
    expect(await page.locator('#org-group').isVisible()).toBe(true);
    // The clock jumps did not cost the link: the heartbeat measures silence on the monotonic clock,
    // so two heartbeats later the page still talks on the socket it opened first.
    const jumped = Date.now();
    await expect.poll(() => pings.filter((t) => t > jumped).length, { timeout: 40_000, interval: 500 }).toBeGreaterThanOrEqual(2);
    expect(sockets).toHaveLength(1);
    expect(panel!.pageErrors, 'uncaught errors in the page').toEqual([]);
  }, 120_000);
});

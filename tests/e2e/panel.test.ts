import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { DriverRegistry } from '../../src/core/driver-registry.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { type DriverModule, type SimulatorHandle } from '../../src/sdk/index.ts';
import { startMdcSimulator, type MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { startShureSimulator, type ShureSimulator } from '../../drivers/shure-dcs/simulator.ts';
import type { BaresipSimulator } from '../../drivers/baresip/simulator.ts';
import type { OnvifSimulator } from '../../drivers/onvif/simulator.ts';
import type { ViscaSerialSimulator } from '../../drivers/visca/index.ts';
import { a11yProblems, contrastProblems, hasChromium, launchChromium } from '../helpers/browser.ts';

/**
 * The touch panel in real Chromium against an in-process daemon with simulated devices speaking
 * their real protocols (Samsung MDC display, Shure microphones, a VISCA camera and an ONVIF one),
 * one display that never answers, and the baresip codec simulator (ctrl_tcp) so the call card has
 * a real call to show and the room has two microphone devices.
 */

const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
const HELP = '04 67 00 00 00';

/** Loads the real drivers, but keeps a hand on each simulator the daemon starts. */
class TestRegistry extends DriverRegistry {
  display?: MdcSimulator;
  mics?: ShureSimulator;
  camera?: ViscaSerialSimulator;
  tribune?: OnvifSimulator;
  codec?: BaresipSimulator;

  override async load(name: string): Promise<DriverModule> {
    const mod = await super.load(name);
    const wrap = (start: (o: Record<string, unknown>, d: never) => Promise<SimulatorHandle>): DriverModule => ({ ...mod, startSimulator: start as never });
    if (name === 'samsung-mdc') return wrap(async (o, d) => {
      const handle = await startMdcSimulator(o, d);
      this.display = handle.sim;
      return handle;
    });
    if (name === 'shure-dcs') return wrap(async (o, d) => {
      const handle = await startShureSimulator(o, d);
      this.mics = handle.sim;
      return handle;
    });
    if (name === 'visca') return wrap(async (o, d) => {
      const handle = (await mod.startSimulator!(o, d)) as SimulatorHandle & { simulator: ViscaSerialSimulator };
      this.camera = handle.simulator;
      return handle;
    });
    if (name === 'onvif') return wrap(async (o, d) => {
      const handle = (await mod.startSimulator!(o, d)) as OnvifSimulator;
      this.tribune = handle;
      return handle;
    });
    if (name === 'baresip') return wrap(async (o, d) => {
      const handle = (await mod.startSimulator!(o, d)) as BaresipSimulator;
      this.codec = handle;
      return handle;
    });
    return mod;
  }
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

function yaml(dir: string, deadPort: number): string {
  return `
room:
  id: panel-test
  name: "Salle du Conseil — visioconférence"
  locale: fr
  helpLine: "${HELP}"
  organisations: ["Parc naturel régional", "Office de tourisme"]
http: { host: 127.0.0.1, port: 0 }
sessions:
  database: ${JSON.stringify(join(dir, 'sessions.db'))}
  sites:
    montpellier: { name: "Montpellier", roundTripKm: 220 }
    millau: { name: "Millau", roundTripKm: 160 }
devices:
  display:
    driver: samsung-mdc
    transport: { type: sim }
  display-back:
    driver: samsung-mdc
    name: "Écran du fond"
    transport: { type: tcp, host: 127.0.0.1, port: ${deadPort} }
    options: { replyTimeoutMs: 300 }
  camera:
    driver: visca
    transport: { type: sim, options: { motionScale: 10 } }
    options: { presets: { "1": "Salle entière", "2": "Pupitre" } }
    deadmanMs: 5000   # long, so every stop the test sees comes from the page, not the daemon's dead-man timer
  camera-tribune:
    driver: onvif
    name: "Tribune"
    transport: { type: sim }
    options: { presets: { "1": "Salle", "2": "Tableau" } }
    deadmanMs: 5000
  mics:
    driver: shure-dcs
    transport: { type: sim }
  codec:
    driver: baresip
    transport: { type: sim, options: { ringMs: 50, answerMs: 100 } }
directory:
  - { name: "PNR — siège", number: "sip:siege@pnr.example" }
  - { name: "Mairie de Millau", number: "sip:mairie@millau.example" }
scenes:
  meetingStart:
    - { device: display, command: powerOn }
    - { device: display, command: setVolume, args: { level: 30 } }
    - { device: display-back, command: powerOn }
    - { device: camera, command: recallPreset, args: { preset: 1 } }
    - { device: mics, command: unmuteMicrophones }
  meetingEnd:
    - { device: display, command: powerOff }
    - { device: display-back, command: powerOff }
    - { device: mics, command: muteMicrophones }
`;
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** VISCA frames the camera received since `from`, without inquiries (the driver's polls). */
function cameraCommands(sim: ViscaSerialSimulator, from: number): string[] {
  return sim.log.received().slice(from).filter((f) => !/^8\d 09 /.test(f));
}
/** Text content with non-breaking spaces (French typography, phone numbers) made plain. */
async function text(locator: { textContent(): Promise<string | null> }): Promise<string | undefined> {
  return (await locator.textContent())?.replace(/\u00a0/g, ' ');
}

const TILT_UP = /^81 01 06 01 .. .. 03 01 FF$/;
const PAN_LEFT = /^81 01 06 01 .. .. 01 03 FF$/;
const DRIVE_STOP = /^81 01 06 01 .. .. 03 03 FF$/;

describe.skipIf(!hasChromium())('touch panel in Chromium', () => {
  const registry = new TestRegistry();
  let dir: string;
  let config: string;
  let daemon: Daemon | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let port: number;
  const log = pino({ level: 'silent' });
  const pageErrors: string[] = [];
  const micPosts: string[] = [];
  const sent: Array<{ t: number; message: { type: string; command?: string; args?: Record<string, number> } }> = [];

  const start = async (onPort: number) => startDaemon(await parseConfig(config, 'panel.yaml', registry), { port: onPort, log, backoff: { initialMs: 200, maxMs: 1000 } });
  const online = (d: Daemon, ...ids: string[]) => waitUntil(`${ids.join(', ')} online`, () => ids.every((id) => d.room.device(id).online));
  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `panel-${name}.png`) });
  const checkA11y = async (where: string) => {
    expect(await a11yProblems(page), `accessibility problems (${where})`).toEqual([]);
    expect(await contrastProblems(page), `contrast problems (${where})`).toEqual([]);
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-panel-'));
    mkdirSync(ARTIFACTS, { recursive: true });
    config = yaml(dir, await closedPort());
    [daemon, browser] = await Promise.all([start(0), launchChromium()]);
    port = Number(new URL(daemon.url).port);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v1/meeting/microphones')) micPosts.push(request.postData() ?? '');
    });
    // What the page itself sends over the WebSocket, to measure the joystick's rate at the source.
    page.on('websocket', (ws) => ws.on('framesent', (frame) => {
      if (typeof frame.payload === 'string') sent.push({ t: Date.now(), message: JSON.parse(frame.payload) });
    }));
    await online(daemon, 'display', 'camera', 'camera-tribune', 'mics', 'codec');
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a meeting: start with a failed device explained, mute, preset, joystick, end with travel avoided', async () => {
    const d = daemon!;
    await page.goto(d.url);
    await page.waitForSelector('body:not(.offline):not(.connecting) #view-idle:not([hidden])');
    await expect.poll(() => page.locator('#dial-chips .chip').count()).toBe(3); // the directory came from /api/v1/panel/config
    await expect.poll(() => text(page.locator('#room-name'))).toBe('Salle du Conseil — visioconférence');
    await expect.poll(() => text(page.locator('#clock'))).toMatch(/\d\d:\d\d/);
    await shot('idle-fr');
    await checkA11y('idle');

    await page.getByRole('button', { name: 'Parc naturel régional' }).click();
    await page.getByRole('button', { name: /PNR — siège/ }).click();
    await expect.poll(() => page.getByRole('button', { name: /PNR — siège/ }).getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Démarrer la réunion' }).click();

    // Progress per device, then plainly what failed, with the help line.
    await page.waitForSelector('#view-progress:not([hidden])');
    const failure = page.locator('#progress-failures .failure');
    await expect.poll(() => text(failure)).toBe(`« Écran du fond » ne répond pas — appelez le ${HELP}`);
    await page.waitForSelector('#ack-failures');
    expect(await text(page.locator('#progress-title'))).toBe('La salle est prête, avec un problème');
    const rows = await page.locator('#progress-list .step').evaluateAll((els) => els.map((el) => [el.querySelector('.step-name')!.textContent, el.className]));
    expect(rows).toEqual([
      ['Écran', 'step step-ok'],
      ['Écran du fond', 'step step-skipped'],
      ['Caméra', 'step step-ok'],
      ['Micros', 'step step-ok'],
      ['Visioconférence', 'step step-ok'],
    ]);
    expect(await page.locator('#progress-failures').getAttribute('role')).toBe('alert');
    await shot('starting-failure-fr');
    await page.getByRole('button', { name: 'Switch the panel to English' }).click();
    await expect.poll(() => text(failure)).toBe(`“Écran du fond” is not responding — call ${HELP}`);
    expect(await page.locator('html').getAttribute('lang')).toBe('en');
    await shot('starting-failure-en');
    await page.getByRole('button', { name: 'Passer le panneau en français' }).click();
    await page.getByRole('button', { name: 'Continuer vers la réunion' }).click();

    // In meeting: the call placed at start is connected, with its duration.
    await page.waitForSelector('#view-meeting:not([hidden])');
    await expect.poll(() => text(page.locator('#call-status'))).toBe('En communication avec PNR — siège');
    await expect.poll(() => text(page.locator('#call-duration'))).toMatch(/^0:0\d$/);
    await expect.poll(() => text(page.locator('#vol-level'))).toBe('Volume : 30 %');
    expect(d.meeting.current.session).toBeDefined();

    // Hang up, then call again.
    await page.getByRole('button', { name: 'Raccrocher' }).click();
    await expect.poll(() => text(page.locator('#call-status'))).toBe('Pas d’appel en cours');
    await page.getByRole('button', { name: 'Rappeler PNR — siège' }).click();
    await expect.poll(() => text(page.locator('#call-status'))).toBe('En communication avec PNR — siège');
    expect(d.room.device('codec').state.call).toMatchObject({ status: 'connected', remote: 'sip:siege@pnr.example' });

    // Microphones: one big toggle, one request for every microphone device (the array and the
    // codec's call); both simulators change, then the button shows it.
    const mic = page.getByRole('button', { name: 'Couper les micros' });
    const micText = page.locator('#mic-state .mic-state-text');
    expect(await mic.getAttribute('aria-pressed')).toBe('false');
    await mic.click();
    await waitUntil('the Shure and baresip simulators muted', () => registry.mics!.state.muted === true && registry.codec!.call()?.muted === true);
    await expect.poll(() => mic.getAttribute('aria-pressed')).toBe('true');
    expect(await text(micText)).toBe('Micros coupés : on ne vous entend pas');
    expect(micPosts).toEqual(['{"muted":true}']);

    // The array's own button opens the array only: the panel says plainly that they disagree…
    registry.mics!.pressMuteButton();
    await expect.poll(() => mic.getAttribute('aria-pressed')).toBe('mixed');
    expect(await text(micText)).toBe('Attention : les micros ne sont pas tous coupés');
    expect(await text(page.locator('#mic-state .mic-state-detail'))).toBe('Encore ouvert : Micros. Touchez le bouton pour tout couper.');
    expect(d.meeting.current.microphones).toEqual({ muted: null, devices: { mics: false, codec: true }, disagree: ['mics'] });
    await shot('meeting-mics-mixed-fr');
    await checkA11y('microphones disagree');
    // …and the same button mutes them all again.
    await mic.click();
    await waitUntil('the Shure simulator muted again', () => registry.mics!.state.muted === true);
    await expect.poll(() => mic.getAttribute('aria-pressed')).toBe('true');
    expect(registry.codec!.call()?.muted).toBe(true);
    expect(d.meeting.current.microphones).toEqual({ muted: true, devices: { mics: true, codec: true }, disagree: [] });
    expect(micPosts).toEqual(['{"muted":true}', '{"muted":true}']);
    expect(await text(micText)).toBe('Micros coupés : on ne vous entend pas');

    // A camera preset by name.
    const preset = page.getByRole('button', { name: 'Pupitre' });
    await preset.click();
    await waitUntil('preset 2 recalled on the camera', () => registry.camera!.camera.lastRecalled === 2);
    await expect.poll(() => preset.getAttribute('aria-pressed')).toBe('true');
    await shot('meeting-fr');
    await checkA11y('meeting');

    // Joystick: held → moves at ~10 Hz; released → stop.
    const cam = registry.camera!;
    let from = cam.log.received().length;
    const sentFrom = sent.length;
    const up = page.getByRole('button', { name: 'Caméra vers le haut' });
    const box = (await up.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await sleep(650);
    await page.mouse.up();
    await cam.log.waitFor((e) => e.dir === 'in' && DRIVE_STOP.test(e.hex), 2000, from);
    // The page: a move at once, then one per ~100 ms while held, then one stop.
    await expect.poll(() => sent.slice(sentFrom).some((s) => s.message.command === 'stop')).toBe(true);
    const commands = sent.slice(sentFrom).filter((s) => s.message.type === 'command');
    const moveTimes = commands.filter((s) => s.message.command === 'move').map((s) => s.t);
    expect(commands.every((s) => s.message.command === 'move' ? s.message.args?.tilt === 0.5 : s.message.command === 'stop')).toBe(true);
    expect(moveTimes.length).toBeGreaterThanOrEqual(4);
    expect(moveTimes.length).toBeLessThanOrEqual(8);
    const gaps = moveTimes.slice(1).map((t, i) => t - moveTimes[i]!);
    expect(Math.max(...gaps)).toBeLessThan(300); // steady, well inside the daemon's dead-man time
    expect(commands.at(-1)?.message.command).toBe('stop');
    expect(commands.filter((s) => s.message.command === 'stop')).toHaveLength(1);
    // The camera: drive frames (latest-wins may merge some under load), then a stop after the last one.
    let frames = cameraCommands(cam, from);
    expect(frames.filter((f) => TILT_UP.test(f)).length).toBeGreaterThanOrEqual(2);
    const lastMove = frames.map((f) => TILT_UP.test(f)).lastIndexOf(true);
    expect(frames.findIndex((f, i) => i > lastMove && DRIVE_STOP.test(f))).toBeGreaterThan(lastMove);

    // Sliding the finger off the button stops the camera too.
    from = cam.log.received().length;
    const left = (await page.getByRole('button', { name: 'Caméra vers la gauche' }).boundingBox())!;
    await page.mouse.move(left.x + left.width / 2, left.y + left.height / 2);
    await page.mouse.down();
    await sleep(250);
    await page.mouse.move(10, 400);
    await cam.log.waitFor((e) => e.dir === 'in' && DRIVE_STOP.test(e.hex), 2000, from);
    await page.mouse.up();
    frames = cameraCommands(cam, from);
    expect(frames.some((f) => PAN_LEFT.test(f))).toBe(true);

    // Keyboard: Space held on a focused arrow moves; the window losing focus stops.
    from = cam.log.received().length;
    await page.getByRole('button', { name: 'Caméra vers la droite' }).focus();
    await page.keyboard.down(' ');
    await cam.log.waitFor((e) => e.dir === 'in' && /^81 01 06 01 .. .. 02 03 FF$/.test(e.hex), 2000, from);
    await page.evaluate(() => window.dispatchEvent(new Event('blur')));
    await cam.log.waitFor((e) => e.dir === 'in' && DRIVE_STOP.test(e.hex), 2000, from);
    await page.keyboard.up(' ');

    // Two cameras: a chooser above the presets (the VISCA one unnamed: "Caméra 1"); the first online
    // is chosen at first. Choosing the ONVIF one sends presets and the joystick there, not to VISCA.
    const chooser = page.getByRole('group', { name: 'Choisir la caméra' });
    const visca = chooser.getByRole('button', { name: 'Caméra 1' });
    const tribune = chooser.getByRole('button', { name: 'Tribune' });
    expect(await chooser.getByRole('button').allTextContents()).toEqual(['Caméra 1', 'Tribune']);
    expect(await visca.getAttribute('aria-pressed')).toBe('true');
    from = cam.log.received().length;
    await tribune.click();
    await expect.poll(() => tribune.getAttribute('aria-pressed')).toBe('true');
    expect(await visca.getAttribute('aria-pressed')).toBe('false');
    await page.getByRole('button', { name: 'Tableau', exact: true }).click();
    await waitUntil('preset 2 recalled on the ONVIF camera', () => d.room.device('camera-tribune').state.preset === 2);
    expect(registry.tribune!.received('GotoPreset')).toHaveLength(1);
    await expect.poll(() => page.getByRole('button', { name: 'Tableau', exact: true }).getAttribute('aria-pressed')).toBe('true');
    const zoomIn = (await page.getByRole('button', { name: 'Zoomer', exact: true }).boundingBox())!;
    await page.mouse.move(zoomIn.x + zoomIn.width / 2, zoomIn.y + zoomIn.height / 2);
    await page.mouse.down();
    await sleep(250);
    await page.mouse.up();
    await waitUntil('the ONVIF camera stopped', () => registry.tribune!.received('Stop').length === 1);
    expect(registry.tribune!.received('ContinuousMove').length).toBeGreaterThanOrEqual(1);
    expect(cameraCommands(cam, from), 'nothing for the VISCA camera').toEqual([]);
    await shot('meeting-two-cameras-fr');
    // The choice survives a reload (and so any reconnect): it is kept in localStorage.
    await page.reload();
    await page.waitForSelector('body:not(.offline):not(.connecting) #view-meeting:not([hidden])');
    await expect.poll(() => tribune.getAttribute('aria-pressed')).toBe('true');
    expect(await page.locator('#preset-chips .chip-name').allTextContents()).toEqual(['Salle', 'Tableau']);

    // A phone: one column, nothing wider than the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await checkA11y('meeting on a phone');
    await shot('meeting-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    // The same screen in English.
    await page.getByRole('button', { name: 'Switch the panel to English' }).click();
    await expect.poll(() => text(page.locator('#call-status'))).toBe('In a call with PNR — siège');
    registry.mics!.pressMuteButton(); // the array opens on its own again
    await expect.poll(() => text(micText)).toBe('Warning: not every microphone is muted');
    expect(await text(page.locator('#mic-state .mic-state-detail'))).toBe('Still on: Microphones. Tap the button to mute them all.');
    await shot('meeting-en');
    await checkA11y('meeting, English');
    await page.getByRole('button', { name: 'Passer le panneau en français' }).click();

    // End: travel avoided (2 people from Montpellier).
    await page.getByRole('button', { name: 'Terminer la réunion' }).click();
    await page.waitForSelector('#view-end:not([hidden])');
    const more = page.getByRole('button', { name: 'Une personne de plus depuis Montpellier' });
    await more.click();
    await more.click();
    await expect.poll(() => text(page.locator('output[data-site="montpellier"]'))).toBe('2 pers.');
    await shot('end-fr');
    await checkA11y('end');
    await page.getByRole('button', { name: 'Terminer la réunion' }).click();
    await page.waitForSelector('#view-idle:not([hidden])', { timeout: 10_000 });
    await expect.poll(() => text(page.locator('#end-summary'))).toBe('Réunion terminée. Merci ! Déplacements évités : 440 km, soit 107 kg de CO₂.');
    await waitUntil('the Shure simulator muted by the end scene', () => registry.mics!.state.muted === true);
    expect(d.ctx.sessions!.list({ limit: 1 }).sessions[0]).toMatchObject({ kmAvoided: 440, organisation: 'Parc naturel régional' });

    await page.getByRole('button', { name: 'Switch the panel to English' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Start the meeting' }).count()).toBe(1);
    await shot('idle-en');
    await checkA11y('idle, English');
    await page.getByRole('button', { name: 'Passer le panneau en français' }).click();
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  }, 45_000);

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
      // Polled: camera state changes (a poll after the joystick) may land in the log around it.
      await expect.poll(() => tech.locator('#log').textContent()).toContain('ok  display.setVolume {"level":42} via panel/tech-local');
      await tech.screenshot({ path: join(ARTIFACTS, 'panel-tech.png'), fullPage: true });
      expect(await a11yProblems(tech)).toEqual([]);
    } finally {
      await tech.close();
    }
  }, 15_000);

  it('says at once when the link to the daemon is lost, greys everything out, and recovers by itself', async () => {
    await page.waitForSelector('body:not(.offline)');
    await daemon!.stop();
    daemon = undefined;
    await page.waitForSelector('body.offline', { timeout: 3000 });
    expect(await text(page.locator('#conn-banner'))).toBe('Connexion au système perdue — nouvelle tentative en cours…');
    expect(await page.locator('#main').evaluate((el) => (el as HTMLElement).inert)).toBe(true);
    await shot('offline-fr');

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

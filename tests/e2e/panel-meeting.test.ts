import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { a11yProblems, contrastProblems, hasChromium, launchChromium } from '../helpers/browser.ts';
import { ARTIFACTS, cameraCommands, closedPort, HELP, layoutProblems, roomYaml, SIZES, TestRegistry, text, waitUntil } from './panel-harness.ts';

/**
 * A whole meeting on the panel in real Chromium, against an in-process daemon whose devices are
 * simulators speaking their real protocols: the start (with a display that is down failing at
 * once), the call, the microphones, volume and sound, the source, presets and joystick, the end
 * with travel avoided — and the keyboard focus following the screens all along.
 */

const TILT_UP = /^81 01 06 01 .. .. 03 01 FF$/;
const PAN_LEFT = /^81 01 06 01 .. .. 01 03 FF$/;
const DRIVE_STOP = /^81 01 06 01 .. .. 03 03 FF$/;
/** The back display's second step waits up to this long for `power: on` (see roomYaml). */
const BACK_DISPLAY_WAIT_MS = 15_000;

describe.skipIf(!hasChromium())('touch panel: a meeting in Chromium', () => {
  const registry = new TestRegistry();
  let dir: string;
  let daemon: Daemon | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const log = pino({ level: 'silent' });
  const pageErrors: string[] = [];
  const micPosts: string[] = [];
  const sent: Array<{ t: number; message: { type: string; command?: string; args?: Record<string, number> } }> = [];

  const shot = (name: string) => page.screenshot({ path: join(ARTIFACTS, `panel-${name}.png`) });
  const focused = () => page.evaluate('document.activeElement?.id ?? ""') as Promise<string>;
  const checkA11y = async (where: string) => {
    expect(await a11yProblems(page), `accessibility problems (${where})`).toEqual([]);
    expect(await contrastProblems(page), `contrast problems (${where})`).toEqual([]);
  };
  const rects = (selector: string) => page.locator(selector).evaluateAll((els) => els.map((el) => {
    const r = el.getBoundingClientRect();
    return [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)].join(',');
  }));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-panel-'));
    const config = roomYaml(dir, await closedPort());
    [daemon, browser] = await Promise.all([
      startDaemon(await parseConfig(config, 'panel.yaml', registry), { port: 0, log, backoff: { initialMs: 200, maxMs: 1000 } }),
      launchChromium(),
    ]);
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, locale: 'fr-FR', timezoneId: 'Europe/Paris' });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v1/meeting/microphones')) micPosts.push(request.postData() ?? '');
    });
    // What the page itself sends over the WebSocket, to measure the joystick's rate at the source.
    page.on('websocket', (ws) => ws.on('framesent', (frame) => {
      if (typeof frame.payload === 'string') sent.push({ t: Date.now(), message: JSON.parse(frame.payload) });
    }));
    await waitUntil('devices online', () => ['display', 'camera', 'camera-tribune', 'mics', 'codec'].every((id) => daemon!.room.device(id).online));
  }, 30_000);

  afterAll(async () => {
    await browser?.close();
    await daemon?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts at once with a display down, says what is out of order for the whole meeting, and moves the focus along', async () => {
    const d = daemon!;
    await page.goto(d.url);
    await page.waitForSelector('body:not(.offline):not(.connecting) #view-idle:not([hidden])');
    // The directory by name only: a SIP address means nothing to a visitor.
    await expect.poll(() => page.locator('#dial-chips .chip').allTextContents()).toEqual(['✓Pas d’appel', 'PNR — siège', 'Mairie de Millau']);
    await expect.poll(() => text(page.locator('#room-name'))).toBe('Salle du Conseil — visioconférence');
    await page.getByRole('button', { name: 'Parc naturel régional' }).click();
    await page.getByRole('button', { name: 'PNR — siège' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'PNR — siège' }).getAttribute('aria-pressed')).toBe('true');

    // The back display is known to be down: its steps fail at once instead of waiting out its
    // 15 s `waitFor`, so the start is over as soon as the others are done.
    const t0 = Date.now();
    await page.getByRole('button', { name: 'Démarrer la réunion' }).click();
    await page.waitForSelector('#view-progress:not([hidden])');
    await page.waitForSelector('#ack-failures:not([hidden])', { timeout: BACK_DISPLAY_WAIT_MS * 2 });
    const startMs = Date.now() - t0;
    // Measured ~0.9 s here (the daemon's own REST test holds it to a fifth of the wait); a third
    // of the one wait is a margin a loaded machine keeps and still fails waiting it out.
    expect(startMs, 'the start is over without waiting for the display that is down').toBeLessThan(BACK_DISPLAY_WAIT_MS / 3);
    const back = d.meeting.current.steps!.filter((s) => s.device === 'display-back');
    expect(back.map((s) => [s.status, s.error?.code])).toEqual([['skipped', 'DeviceOffline'], ['skipped', 'DeviceOffline']]);
    expect(Math.max(...back.map((s) => s.ms ?? 0))).toBeLessThan(BACK_DISPLAY_WAIT_MS / 10);
    await expect.poll(() => text(page.locator('#progress-failures .failure'))).toBe(`« Écran du fond » ne répond pas — appelez le ${HELP}`);
    expect(await text(page.locator('#progress-title'))).toBe('La salle est prête, avec un problème');
    expect(await page.locator('#progress-list .step').evaluateAll((els) => els.map((el) => [el.querySelector('.step-name')!.textContent, el.className]))).toEqual([
      ['Écran', 'step step-ok'],
      ['Écran du fond', 'step step-skipped'],
      ['Caméra', 'step step-ok'],
      ['Micros', 'step step-ok'],
      ['Visioconférence', 'step step-ok'],
    ]);
    // The focus went with the screen: to its title while starting, then to the way on.
    await expect.poll(focused).toBe('ack-failures');
    await shot('starting-failure-fr');
    await page.keyboard.press('Enter');

    // In the meeting: what is still out of order stays said, plainly, with the help line.
    await page.waitForSelector('#view-meeting:not([hidden])');
    await expect.poll(focused).toBe('meeting-title');
    expect(await text(page.locator('#meeting-status'))).toBe(`Hors service : Écran du fond — appelez le ${HELP}`);
    await expect.poll(() => text(page.locator('#call-status'))).toBe('En communication avec PNR — siège');
    await expect.poll(() => text(page.locator('#call-duration'))).toMatch(/^0:0\d$/);
    expect(await page.locator('#view-meeting').innerText()).not.toContain('sip:');

    // Hang up: the button goes away under the focus, which moves to "call again" in the same card.
    await page.getByRole('button', { name: 'Raccrocher' }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => text(page.locator('#call-status'))).toBe('Pas d’appel en cours');
    await expect.poll(focused).toBe('redial');
    expect(await page.locator('#call-chips .chip').allTextContents()).toEqual(['Appeler Mairie de Millau']);
    await page.keyboard.press('Enter');
    await expect.poll(() => text(page.locator('#call-status'))).toBe('En communication avec PNR — siège');
    expect(d.room.device('codec').state.call).toMatchObject({ status: 'connected', remote: 'sip:siege@pnr.example' });

    // The end screen takes the focus; Escape goes back to the meeting, focus on "end".
    await page.getByRole('button', { name: 'Terminer la réunion' }).click();
    await page.waitForSelector('#view-end:not([hidden])');
    await expect.poll(focused).toBe('end-back');
    await page.keyboard.press('Escape');
    await page.waitForSelector('#view-meeting:not([hidden])');
    await expect.poll(focused).toBe('end');
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  }, 45_000);

  it('microphones, volume and sound: labels and words follow the state', async () => {
    const d = daemon!;
    // Microphones: one button for every microphone device (the array and the codec's call); it
    // says what it will do, and the line above says how things are.
    const mic = page.locator('#mic-toggle');
    const micText = page.locator('#mic-state .mic-state-text');
    await expect.poll(() => text(micText)).toBe('Micros ouverts : on vous entend');
    expect(await text(mic)).toBe('Couper les micros');
    await mic.click();
    await waitUntil('the Shure and baresip simulators muted', () => registry.mics!.state.muted === true && registry.codec!.call()?.muted === true);
    await expect.poll(() => text(mic)).toBe('Réactiver les micros');
    expect(await text(micText)).toBe('Micros coupés : on ne vous entend pas');
    expect(micPosts).toEqual(['{"muted":true}']);

    // The array's own button opens the array only: the panel says they disagree, and who is on.
    registry.mics!.pressMuteButton();
    await expect.poll(() => text(micText)).toBe('Attention : les micros ne sont pas tous coupés');
    expect(await text(page.locator('#mic-state .mic-state-detail'))).toBe('Encore ouverts : Micros. Touchez le bouton pour tout couper.');
    expect(await text(mic)).toBe('Couper tous les micros');
    expect(d.meeting.current.microphones).toEqual({ muted: null, devices: { mics: false, codec: true }, disagree: ['mics'] });
    await shot('meeting-mics-mixed-fr');
    await checkA11y('microphones disagree');
    // The tallest the microphone card gets, with a call on: still nothing overlaps or sticks out, at every size.
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      expect(await layoutProblems(page, '#end'), `layout, microphones disagree (${size.name})`).toEqual([]);
      await shot(`meeting-mics-mixed-fr-${size.name}`);
    }
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByRole('button', { name: 'Switch the panel to English' }).click();
    await expect.poll(() => text(micText)).toBe('Warning: not every microphone is muted');
    expect(await text(page.locator('#mic-state .mic-state-detail'))).toBe('Still on: Microphones. Tap the button to mute them all.');
    expect(await text(mic)).toBe('Mute every microphone');
    await page.getByRole('button', { name: 'Passer le panneau en français' }).click();
    await mic.click();
    await waitUntil('the Shure simulator muted again', () => registry.mics!.state.muted === true);
    await expect.poll(() => text(mic)).toBe('Réactiver les micros');
    await mic.click();
    await waitUntil('every microphone open', () => registry.mics!.state.muted === false && registry.codec!.call()?.muted === false);
    await expect.poll(() => text(mic)).toBe('Couper les micros');
    expect(micPosts).toEqual(['{"muted":true}', '{"muted":true}', '{"muted":false}']);

    // Volume: the level the display reported, 5 % a tap, and a held button keeps stepping.
    const level = page.locator('#vol-level');
    await expect.poll(() => text(level)).toBe('Volume : 30 %');
    await page.getByRole('button', { name: 'Monter le volume' }).click();
    await waitUntil('the display at 35', () => registry.display!.state.volume === 35);
    await expect.poll(() => text(level)).toBe('Volume : 35 %');
    const down = (await page.getByRole('button', { name: 'Baisser le volume' }).boundingBox())!;
    await page.mouse.move(down.x + down.width / 2, down.y + down.height / 2);
    await page.mouse.down();
    await waitUntil('the display stepped down by holding', () => registry.display!.state.volume <= 20, 10_000);
    await page.mouse.up();
    const held = registry.display!.state.volume;
    expect(held % 5).toBe(0);
    await sleep(600);
    expect(registry.display!.state.volume, 'letting go stops the steps').toBe(held);
    await expect.poll(() => text(level)).toBe(`Volume : ${held} %`);

    // Sound: the button says what it will do, the level line says the sound is off.
    const sound = page.locator('#vol-mute');
    expect(await text(sound)).toBe('Couper le son');
    await sound.click();
    await waitUntil('the display muted', () => registry.display!.state.muted === true);
    await expect.poll(() => text(sound)).toBe('Remettre le son');
    expect(await text(level)).toBe('Son coupé');
    await sound.click();
    await waitUntil('the display unmuted', () => registry.display!.state.muted === false);
    await expect.poll(() => text(sound)).toBe('Couper le son');
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  }, 45_000);

  it('source: the configured inputs by name, and the display switches', async () => {
    const chooser = page.getByRole('group', { name: 'Choisir ce que montre l’écran' });
    expect(await chooser.getByRole('button').allTextContents()).toEqual(['Visio', 'Ordinateur']);
    await expect.poll(() => chooser.getByRole('button', { name: 'Visio' }).getAttribute('aria-pressed')).toBe('true'); // the start chose it
    await chooser.getByRole('button', { name: 'Ordinateur' }).click();
    await waitUntil('the display on HDMI 1', () => registry.display!.state.input === 0x21);
    await expect.poll(() => chooser.getByRole('button', { name: 'Ordinateur' }).getAttribute('aria-pressed')).toBe('true');
    expect(await chooser.getByRole('button', { name: 'Visio' }).getAttribute('aria-pressed')).toBe('false');
    await page.getByRole('button', { name: 'Switch the panel to English' }).click();
    expect(await page.getByRole('group', { name: 'Choose what the screen shows' }).getByRole('button').allTextContents()).toEqual(['Video call', 'Computer']);
    await page.getByRole('button', { name: 'Passer le panneau en français' }).click();
  });

  it('cameras: presets by name without moving anything, press-and-hold joystick, the chooser', async () => {
    const d = daemon!;
    // Choosing a preset changes colours only: no control moves.
    const before = await rects('#card-camera button, #card-camera');
    const preset = page.getByRole('button', { name: 'Pupitre' });
    await preset.click();
    await waitUntil('preset 2 recalled on the camera', () => registry.camera!.camera.lastRecalled === 2);
    await expect.poll(() => preset.getAttribute('aria-pressed')).toBe('true');
    expect(await page.getByRole('button', { name: 'Salle entière' }).getAttribute('aria-pressed')).toBe('false');
    expect(await rects('#card-camera button, #card-camera'), 'no layout jump when a preset is set or cleared').toEqual(before);
    await shot('meeting-fr');
    await checkA11y('meeting');

    // Joystick: held → moves at ~10 Hz; released → stop.
    const cam = registry.camera!;
    let from = cam.log.received().length;
    const sentFrom = sent.length;
    const up = (await page.getByRole('button', { name: 'Caméra vers le haut' }).boundingBox())!;
    await page.mouse.move(up.x + up.width / 2, up.y + up.height / 2);
    await page.mouse.down();
    await sleep(650);
    await page.mouse.up();
    await cam.log.waitFor((e) => e.dir === 'in' && DRIVE_STOP.test(e.hex), 2000, from);
    await expect.poll(() => sent.slice(sentFrom).some((s) => s.message.command === 'stop')).toBe(true);
    const commands = sent.slice(sentFrom).filter((s) => s.message.type === 'command');
    const moveTimes = commands.filter((s) => s.message.command === 'move').map((s) => s.t);
    expect(commands.every((s) => s.message.command === 'move' ? s.message.args?.tilt === 0.5 : s.message.command === 'stop')).toBe(true);
    expect(moveTimes.length).toBeGreaterThanOrEqual(4);
    expect(moveTimes.length).toBeLessThanOrEqual(8);
    const gaps = moveTimes.slice(1).map((t, i) => t - moveTimes[i]!);
    expect(Math.max(...gaps)).toBeLessThan(300); // steady, well inside the daemon's dead-man time
    expect(commands.filter((s) => s.message.command === 'stop')).toHaveLength(1);
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

    // Two cameras: choosing the ONVIF one sends presets and the joystick there, not to VISCA.
    const chooser = page.getByRole('group', { name: 'Choisir la caméra' });
    const visca = chooser.getByRole('button', { name: 'Caméra 1' });
    const tribune = chooser.getByRole('button', { name: 'Tribune' });
    expect(await chooser.getByRole('button').allTextContents()).toEqual(['Caméra 1', 'Tribune']);
    expect(await visca.getAttribute('aria-pressed')).toBe('true');
    from = cam.log.received().length;
    await tribune.click();
    await expect.poll(() => tribune.getAttribute('aria-pressed')).toBe('true');
    await page.getByRole('button', { name: 'Tableau', exact: true }).click();
    await waitUntil('preset 2 recalled on the ONVIF camera', () => d.room.device('camera-tribune').state.preset === 2);
    expect(registry.tribune!.received('GotoPreset')).toHaveLength(1);
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
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  }, 45_000);

  it('ends with travel avoided, and the idle screen takes the focus back', async () => {
    const d = daemon!;
    await page.getByRole('button', { name: 'Terminer la réunion' }).click();
    await page.waitForSelector('#view-end:not([hidden])');
    const more = page.getByRole('button', { name: 'Une personne de plus depuis Montpellier' });
    await more.click();
    await more.click();
    await expect.poll(() => text(page.locator('output[data-site="montpellier"]'))).toBe('2 pers.');
    await shot('end-fr');
    await page.locator('#end-confirm').click();
    await page.waitForSelector('#view-idle:not([hidden])', { timeout: 10_000 });
    await expect.poll(focused).toBe('start');
    await expect.poll(() => text(page.locator('#end-summary'))).toBe('Réunion terminée. Merci ! Déplacements évités : 440 km, soit 107 kg de CO₂.');
    await waitUntil('the Shure simulator muted by the end scene', () => registry.mics!.state.muted === true);
    expect(d.ctx.sessions!.list({ limit: 1 }).sessions[0]).toMatchObject({ kmAvoided: 440, organisation: 'Parc naturel régional' });
    expect(pageErrors, 'uncaught errors in the page').toEqual([]);
  }, 30_000);
});

import { mkdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { DriverRegistry } from '../../src/core/driver-registry.ts';
import { type DriverModule, type SimulatorHandle } from '../../src/sdk/index.ts';
import { startMdcSimulator, type MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { startShureSimulator, type ShureSimulator } from '../../drivers/shure-dcs/simulator.ts';
import type { BaresipSimulator } from '../../drivers/baresip/simulator.ts';
import type { OnvifSimulator } from '../../drivers/onvif/simulator.ts';
import type { ViscaSerialSimulator } from '../../drivers/visca/index.ts';
import { a11yProblems, contrastProblems } from '../helpers/browser.ts';

/**
 * What the panel's browser tests share: a driver registry that keeps a hand on each simulator the
 * daemon starts, the room's config, and the checks every screen goes through — layout (nothing
 * overlaps, nothing sticks out of its card, the main action on screen), no stray words, axe-core.
 */

export const ARTIFACTS = join(import.meta.dirname, '..', 'artifacts');
mkdirSync(ARTIFACTS, { recursive: true });
export const HELP = '04 67 00 00 00';

/** The panel's three target screens: the 10-inch wall panel, the same tablet upright, a phone. */
export const SIZES = [
  { name: 'landscape', width: 1280, height: 800 },
  { name: 'portrait', width: 800, height: 1280 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** Loads the real drivers, but keeps a hand on each simulator the daemon starts. */
export class TestRegistry extends DriverRegistry {
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

/** A loopback port nothing listens on (the display that never answers). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/**
 * The room: a Samsung display with two named inputs, a second display on a closed port (the
 * failure to explain), a VISCA camera, an ONVIF one named "Tribune", Shure microphones, the
 * baresip codec. `micsWaitFor` holds the start on the microphones until the test says so.
 */
export function roomYaml(dir: string, deadPort: number, { micsWaitFor = false } = {}): string {
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
    options: { inputs: { codec: hdmi2, pc: hdmi1 } }
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
    - { device: display, command: selectInput, args: { input: codec }, waitFor: { power: "on" } }
    - { device: display-back, command: powerOn }
    - { device: display-back, command: selectInput, args: { input: hdmi1 }, waitFor: { power: "on" }, timeoutMs: 15000 }
    - { device: camera, command: recallPreset, args: { preset: 1 } }
    - { device: mics, command: unmuteMicrophones${micsWaitFor ? ', waitFor: { micMuted: true }, timeoutMs: 60000' : ''} }
  meetingEnd:
    - { device: display, command: powerOff }
    - { device: display-back, command: powerOff }
    - { device: mics, command: muteMicrophones }
`;
}

export async function waitUntil(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Text content with no-break spaces (French typography, phone numbers) made plain, white space collapsed. */
export async function text(locator: { textContent(): Promise<string | null> }): Promise<string | undefined> {
  return (await locator.textContent())?.replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();
}

/** VISCA frames the camera received since `from`, without inquiries (the driver's polls). */
export function cameraCommands(sim: ViscaSerialSimulator, from: number): string[] {
  return sim.log.received().slice(from).filter((f) => !/^8\d 09 /.test(f));
}

// The in-page checks are plain JavaScript source, not compiled functions: a test transpiler's
// helpers (e.g. esbuild's __name with keepNames) must never leak into the page.

/**
 * Layout problems: two controls overlapping (as far as either is visible: a control scrolled out
 * of its list does not count), a control sticking out of its card, a control covered by
 * something else, and the main action (`selector`) not entirely on screen without scrolling.
 */
const LAYOUT_SCRIPT = `(mainSelector) => {
  const out = [];
  const describe = (el) => '<' + el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + '> "' + (el.getAttribute('aria-label') ?? el.textContent ?? '').trim().replace(/\\s+/g, ' ').slice(0, 30) + '"';
  const clip = (el) => {
    const r = el.getBoundingClientRect();
    let box = { l: r.left, t: r.top, r: r.right, b: r.bottom };
    for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const c = p.getBoundingClientRect();
      box = { l: Math.max(box.l, c.left), t: Math.max(box.t, c.top), r: Math.min(box.r, c.right), b: Math.min(box.b, c.bottom) };
    }
    return { l: Math.max(box.l, 0), t: Math.max(box.t, 0), r: Math.min(box.r, innerWidth), b: Math.min(box.b, innerHeight) };
  };
  const area = (b) => Math.max(0, b.r - b.l) * Math.max(0, b.b - b.t);
  const controls = [...document.querySelectorAll('button, [role="button"], a[href], input, select, textarea')]
    .filter((el) => el.checkVisibility() && !el.closest('.visually-hidden') && area(clip(el)) > 0);
  for (let i = 0; i < controls.length; i++) {
    for (let j = i + 1; j < controls.length; j++) {
      const a = controls[i], b = controls[j];
      if (a.contains(b) || b.contains(a)) continue;
      const ca = clip(a), cb = clip(b);
      const overlap = area({ l: Math.max(ca.l, cb.l), t: Math.max(ca.t, cb.t), r: Math.min(ca.r, cb.r), b: Math.min(ca.b, cb.b) });
      if (overlap > 1) out.push(describe(a) + ' overlaps ' + describe(b));
    }
  }
  for (const el of controls) {
    const card = el.closest('.card');
    const r = el.getBoundingClientRect();
    if (card) {
      const c = card.getBoundingClientRect();
      if (r.left < c.left - 1 || r.right > c.right + 1 || r.top < c.top - 1 || r.bottom > c.bottom + 1) out.push(describe(el) + ' sticks out of its card #' + card.id);
    }
    const v = clip(el);
    if (area(v) < 4) continue;
    const hit = document.elementFromPoint((v.l + v.r) / 2, (v.t + v.b) / 2);
    if (hit && !el.contains(hit) && !hit.contains(el)) out.push(describe(el) + ' is covered by ' + describe(hit));
  }
  if (mainSelector) {
    const main = document.querySelector(mainSelector);
    if (!main || !main.checkVisibility()) out.push('main action ' + mainSelector + ' is not shown');
    else {
      const r = main.getBoundingClientRect();
      const v = clip(main);
      if (Math.abs(area(v) - r.width * r.height) > 2) out.push('main action ' + describe(main) + ' is not entirely on screen (' + Math.round(r.top) + '..' + Math.round(r.bottom) + ' px of ' + innerHeight + ')');
    }
  }
  return out;
}`;

/** Words a screen must never show: placeholders and values that leaked out of the code. */
const STRAY_SCRIPT = `(() => {
  const texts = [document.body.innerText];
  for (const el of document.querySelectorAll('[aria-label], [title], [alt], [placeholder]')) {
    if (!el.checkVisibility()) continue;
    for (const name of ['aria-label', 'title', 'alt', 'placeholder']) if (el.hasAttribute(name)) texts.push(el.getAttribute(name));
  }
  texts.push(document.title);
  const out = [];
  for (const t of texts) {
    const m = /\\b(null|undefined|NaN|true|false)\\b|\\[object \\w+\\]|\\{\\w+\\}/.exec(t ?? '');
    if (m) out.push('"' + m[0] + '" in "' + t.replace(/\\s+/g, ' ').slice(Math.max(0, m.index - 40), m.index + 40) + '"');
  }
  return out;
})()`;

export async function layoutProblems(page: Page, mainSelector?: string): Promise<string[]> {
  return (await page.evaluate(`(${LAYOUT_SCRIPT})(${JSON.stringify(mainSelector ?? null)})`)) as string[];
}

/** `null`, `undefined`, `NaN`, `[object Object]`, unfilled `{placeholders}`, i18n keys: never on screen. */
export async function strayWords(page: Page, keys: string[]): Promise<string[]> {
  const found = (await page.evaluate(STRAY_SCRIPT)) as string[];
  const visible = (await page.evaluate('document.body.innerText')) as string;
  for (const key of keys) if (new RegExp(`(^|\\s)${key.replace(/\./g, '\\.')}(\\s|$)`).test(visible)) found.push(`i18n key "${key}" shown as is`);
  return found;
}

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** axe-core's WCAG 2.1 A/AA violations on the page as it is now (axe is evaluated through the devtools protocol: the page's CSP stays as it is). */
export async function axeViolations(page: Page): Promise<string[]> {
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE_SOURCE);
  return (await page.evaluate(`axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
    .then((r) => r.violations.map((v) => v.id + ': ' + v.help + ' — ' + v.nodes.map((n) => n.target.join(' ')).slice(0, 4).join(', ')))`)) as string[];
}

/** The French and English dictionaries' keys (a key shown as is is a missing translation). */
export async function dictionaryKeys(): Promise<string[]> {
  const { DICTIONARIES } = await import('../../src/api/panel/public/i18n.js' as string);
  return Object.keys(DICTIONARIES.fr);
}

export interface ScreenCheck {
  /** The screen's main action, which must be entirely on screen at every size. */
  main?: string;
  /** Also the older checks (accessible names, 44 px targets, focus ring, contrast). */
  basics?: boolean;
  /** Languages to go through (the header button switches); French first. */
  locales?: Array<'fr' | 'en'>;
}

/**
 * Puts one screen through every check at the three sizes, in French and English, with a
 * screenshot of each into tests/artifacts/panel-<name>-<locale>-<size>.png. Leaves the page at
 * 1280×800 in French.
 */
export async function checkScreen(page: Page, name: string, keys: string[], { main, basics = true, locales = ['fr', 'en'] }: ScreenCheck = {}): Promise<void> {
  for (const locale of locales) {
    if (locale === 'en') await page.getByRole('button', { name: 'Switch the panel to English' }).click();
    await expect.poll(() => page.locator('html').getAttribute('lang')).toBe(locale);
    for (const size of SIZES) {
      await page.setViewportSize({ width: size.width, height: size.height });
      await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))');
      const where = `${name}, ${locale}, ${size.width}×${size.height}`;
      await page.screenshot({ path: join(ARTIFACTS, `panel-${name}-${locale}-${size.name}.png`) });
      expect(await layoutProblems(page, main), `layout (${where})`).toEqual([]);
      expect(await strayWords(page, keys), `stray words (${where})`).toEqual([]);
      expect(await axeViolations(page), `axe-core (${where})`).toEqual([]);
      if (basics) {
        expect(await contrastProblems(page), `contrast (${where})`).toEqual([]);
        expect(await a11yProblems(page), `accessibility (${where})`).toEqual([]);
      }
    }
    if (locale === 'en') await page.getByRole('button', { name: 'Passer le panneau en français' }).click();
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect.poll(() => page.locator('html').getAttribute('lang')).toBe('fr');
}

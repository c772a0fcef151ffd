import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/loader.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { TechGate } from '../../src/api/panel/tech-gate.ts';

/**
 * The panel's server side without a browser (fastify inject): security headers, static files,
 * the page's config route, and the technician page's PIN gate. Plus the page's pure logic
 * (public/model.js, plain browser JavaScript) on its own.
 */

const log = pino({ level: 'silent' });
const TOKEN = 'panel-token-0123456789';

async function daemonWith(extra: string): Promise<Daemon> {
  const yaml = `
room: { id: panel-srv, name: "Salle <B>", locale: en, helpLine: "04 00", organisations: [A] }
http:
  host: 127.0.0.1
${extra}
sessions: { sites: { nimes: { name: "Nîmes", roundTripKm: 120 } } }
directory: [{ name: "Siège", number: "sip:siege@example.org" }]
`;
  return startDaemon(await parseConfig(yaml, 'panel-srv.yaml'), { port: 0, log, sessions: null });
}

const REMOTE = { remoteAddress: '192.0.2.10' };

describe('panel server: open room (no tokens, no PIN)', () => {
  let d: Daemon;
  beforeAll(async () => {
    d = await daemonWith('');
  });
  afterAll(() => d?.stop());

  it('serves the page with security headers, the room language and name, and no inline script or style', async () => {
    const res = await d.app.inject({ url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.body).toContain('<html lang="en">');
    expect(res.body).toContain('<title>Salle &lt;B&gt;</title>'); // escaped, never raw HTML from config
    expect(res.body).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/); // every script is an external file
    expect(res.body).not.toMatch(/\sstyle=|\son[a-z]+=/);
  });

  it('serves the modules with validators, and nothing outside its file list', async () => {
    const js = await d.app.inject({ url: '/panel/app.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['content-security-policy']).toBeDefined();
    const again = await d.app.inject({ url: '/panel/app.js', headers: { 'if-none-match': String(js.headers.etag) } });
    expect(again.statusCode).toBe(304);
    for (const url of ['/panel/..%2Findex.ts', '/panel/nope.js', '/panel/index.html', '/panel/tech.html']) {
      expect((await d.app.inject({ url })).statusCode, url).toBe(404);
    }
    // Headers are the panel's own: the REST API keeps its responses as they are.
    expect((await d.app.inject({ url: '/api/v1/health' })).headers['content-security-policy']).toBeUndefined();
  });

  it('gives the page its directory and travel sites', async () => {
    const res = await d.app.inject({ url: '/api/v1/panel/config' });
    expect(res.json()).toEqual({
      room: { id: 'panel-srv', name: 'Salle <B>', locale: 'en', helpLine: '04 00', organisations: ['A'] },
      directory: [{ name: 'Siège', number: 'sip:siege@example.org' }],
      sites: [{ id: 'nimes', name: 'Nîmes', roundTripKm: 120 }],
      co2KgPerKm: 0.244,
      inputs: {},
    });
    expect((await d.app.inject({ url: '/api/v1/panel/config', ...REMOTE })).statusCode).toBe(403);
  });

  it('without a PIN, serves the technician page to this machine only', async () => {
    expect((await d.app.inject({ url: '/tech' })).statusCode).toBe(200);
    const remote = await d.app.inject({ url: '/tech', ...REMOTE });
    expect(remote.statusCode).toBe(403);
    expect(remote.body).toContain('http.panelPin');
    expect((await d.app.inject({ url: '/api/v1/panel/tech/devices', ...REMOTE })).statusCode).toBe(403);
    expect((await d.app.inject({ url: '/api/v1/panel/tech/devices' })).json()).toEqual([]);
    const login = await d.app.inject({ method: 'POST', url: '/api/v1/panel/tech/login', payload: { pin: '1234' } });
    expect(login.statusCode).toBe(409);
  });
});

describe('panel server: tokens and a PIN', () => {
  let d: Daemon;
  beforeAll(async () => {
    d = await daemonWith(`  panelPin: "482915"\n  allowedHosts: [room.example]\n  tokens: [{ name: panel, role: panel, token: ${TOKEN} }]`);
  });
  afterAll(() => d?.stop());

  it('the config route wants the panel token like the rest of the API', async () => {
    expect((await d.app.inject({ url: '/api/v1/panel/config' })).statusCode).toBe(401);
    expect((await d.app.inject({ url: '/api/v1/panel/config', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(200);
  });

  it('checks the PIN on the server, sets an HttpOnly SameSite=Strict cookie, and then lets commands through', async () => {
    expect((await d.app.inject({ url: '/tech', ...REMOTE })).statusCode).toBe(200); // the PIN form
    expect((await d.app.inject({ url: '/api/v1/panel/tech/devices', ...REMOTE })).statusCode).toBe(401);
    const wrong = await d.app.inject({ method: 'POST', url: '/api/v1/panel/tech/login', payload: { pin: '000000' }, ...REMOTE });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['set-cookie']).toBeUndefined();

    const ok = await d.app.inject({ method: 'POST', url: '/api/v1/panel/tech/login', payload: { pin: '482915' }, ...REMOTE });
    expect(ok.statusCode).toBe(200);
    const cookie = String(ok.headers['set-cookie']);
    expect(cookie).toMatch(/^roomd_tech=[\w-]{40,}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=900$/);
    const headers = { cookie: cookie.split(';')[0]!, host: 'room.example:8080' };
    expect((await d.app.inject({ url: '/api/v1/panel/tech/session', headers, ...REMOTE })).json()).toMatchObject({ pinRequired: true, authenticated: true });
    expect((await d.app.inject({ url: '/api/v1/panel/tech/devices', headers, ...REMOTE })).statusCode).toBe(200);
    // The command box reaches the command bus (here: an unknown device, so 404 from the core).
    const cmd = await d.app.inject({ method: 'POST', url: '/api/v1/panel/tech/devices/nope/commands/powerOn', headers, payload: {}, ...REMOTE });
    expect(cmd.statusCode).toBe(404);
    expect(cmd.json().error.code).toBe('UnknownDevice');
    // A cross-site page cannot ride on the cookie.
    const csrf = await d.app.inject({ method: 'POST', url: '/api/v1/panel/tech/devices/nope/commands/powerOn', headers: { ...headers, origin: 'http://evil.example' }, payload: {}, ...REMOTE });
    expect(csrf.statusCode).toBe(403);

    await d.app.inject({ method: 'POST', url: '/api/v1/panel/tech/logout', headers, ...REMOTE });
    expect((await d.app.inject({ url: '/api/v1/panel/tech/devices', headers, ...REMOTE })).statusCode).toBe(401);
  });
});

describe('TechGate', () => {
  it('locks an address out after repeated wrong PINs, and sessions expire', () => {
    let now = 1_000_000;
    const gate = new TechGate({ pin: '1234', maxFailures: 3, lockMs: 60_000, ttlMs: 1000, now: () => now });
    for (let i = 0; i < 3; i++) expect(() => gate.login('0000', '10.0.0.1')).toThrow(/wrong PIN/);
    expect(() => gate.login('1234', '10.0.0.1')).toThrow(/too many wrong PINs/);
    expect(gate.login('1234', '10.0.0.2')).toMatch(/^[\w-]{43}$/); // other addresses are not locked
    now += 60_001;
    const token = gate.login('1234', '10.0.0.1');
    const request = { headers: { cookie: `a=b; roomd_tech=${token}` }, socket: { remoteAddress: '10.0.0.1' } } as never;
    expect(gate.allows(request)).toBe(true);
    now += 1001;
    expect(gate.allows(request)).toBe(false);
  });
});

describe('panel page logic (public/model.js)', async () => {
  const model = await import(pathToFileURL(join(import.meta.dirname, '../../src/api/panel/public/model.js')).href);
  const { translate } = await import(pathToFileURL(join(import.meta.dirname, '../../src/api/panel/public/i18n.js')).href);
  const t = (key: string, vars?: object) => translate('fr', key, vars);
  const dev = (id: string, capabilities: string[], extra: object = {}) => ({ id, capabilities, online: true, state: {}, ...extra });

  it('names devices by what they are, and by their configured name when two are alike', () => {
    const devices = {
      codec: dev('codec', ['power', 'call', 'micMute']),
      cam: dev('cam', ['power', 'ptz']),
      d1: dev('d1', ['power', 'input', 'volume']),
      d2: dev('d2', ['power', 'input'], { name: 'Écran du fond' }),
      mics: dev('mics', ['micMute', 'raw']),
    };
    const labels = model.deviceLabels(devices, t);
    expect(Object.fromEntries(Object.entries(labels).map(([id, l]) => [id, (l as { label: string }).label]))).toEqual({
      codec: 'Visioconférence', cam: 'Caméra', d1: 'Écran', d2: 'Écran du fond', mics: 'Micros',
    });
  });

  it('explains failures in plain words with the help line, silent and erroring devices apart', () => {
    const devices = { display: dev('display', ['power']), mics: dev('mics', ['micMute']), cam: dev('cam', ['ptz']) };
    const steps = [
      { device: 'display', command: 'powerOn', status: 'skipped', error: { code: 'DeviceOffline', message: 'x' } },
      { device: 'mics', command: 'unmuteMicrophones', status: 'failed', error: { code: 'DeviceError', message: 'REP ERR' } },
      { device: 'cam', command: 'recallPreset', status: 'ok' },
    ];
    expect(model.explainFailures(steps, devices, '04 67', t).map((f: { text: string }) => f.text)).toEqual([
      'L’écran ne répond pas — appelez le 04\u00a067',
      'Les micros signalent un problème — appelez le 04\u00a067',
    ]);
    expect(model.explainFailures(steps, devices, undefined, t)[0].text).toBe('L’écran ne répond pas — prévenez l’accueil');
  });

  it('folds steps into one row per device', () => {
    const rows = model.progressRows([
      { device: 'd', status: 'ok' }, { device: 'd', status: 'pending' }, { device: 'c', status: 'pending' }, { device: 'm', status: 'failed' }, { device: 'm', status: 'ok' },
    ]);
    expect(rows.map((r: { device: string; status: string }) => [r.device, r.status])).toEqual([['d', 'running'], ['c', 'pending'], ['m', 'failed']]);
  });

  it('sums microphones into one toggle state, and backs off reconnects with a cap', () => {
    const m = (micMuted: boolean | null, online = true) => dev(`m${Math.random()}`, ['micMute'], { online, state: { micMuted } });
    expect(model.micSummary({ a: m(true), b: m(true), c: m(false, false) }).muted).toBe(true);
    expect(model.micSummary({ a: m(true), b: m(false) }).muted).toBe('mixed');
    expect(model.micSummary({ a: m(null) }).muted).toBe(null);
    expect([0, 1, 2, 3, 10].map((n) => model.backoffDelay(n, { random: () => 1 }))).toEqual([500, 1000, 2000, 4000, 4000]);
    expect(model.formatDuration(3_725_000)).toBe('1:02:05');
    expect(model.travelFromCounts({ a: 2, b: 0 })).toEqual([{ site: 'a', people: 2 }]);
  });

  it('reads the microphones from the core (meeting.microphones) and names the ones still on', () => {
    const devices = { mics: dev('mics', ['micMute']), codec: dev('codec', ['call', 'micMute']), off: dev('off', ['micMute'], { online: false }) };
    const mixed = model.micSummary(devices, { muted: null, devices: { mics: false, codec: true, off: null }, disagree: ['mics'] });
    expect([mixed.muted, mixed.open]).toEqual(['mixed', ['mics']]);
    expect(model.micSummary(devices, { muted: true, devices: { mics: true, codec: true, off: null }, disagree: [] }).muted).toBe(true);
    expect(model.micSummary(devices, { muted: null, devices: { mics: null, codec: null, off: null }, disagree: [] }).muted).toBe(null);
    // The core's reading wins over the devices' own states; without it, the devices decide.
    const stale = { mics: dev('mics', ['micMute'], { state: { micMuted: true } }) };
    expect(model.micSummary(stale, { muted: false, devices: { mics: false }, disagree: [] }).muted).toBe(false);
    expect(model.micSummary(stale).muted).toBe(true);
  });

  it('offers every PTZ device in a camera chooser, and keeps the chosen one even offline', () => {
    const devices = {
      display: dev('display', ['power']),
      cam: dev('cam', ['ptz'], { online: false }),
      tribune: dev('tribune', ['ptz'], { name: 'Tribune' }),
      cam3: dev('cam3', ['ptz']),
    };
    expect(model.cameraChoices(devices, t)).toEqual([
      { id: 'cam', label: 'Caméra 1', online: false },
      { id: 'tribune', label: 'Tribune', online: true },
      { id: 'cam3', label: 'Caméra 3', online: true },
    ]);
    expect(model.pickCamera(devices, undefined).id).toBe('tribune'); // the first online one
    expect(model.pickCamera(devices, 'cam').id).toBe('cam'); // chosen: kept, even offline
    expect(model.pickCamera(devices, 'gone').id).toBe('tribune'); // a device no longer configured
    expect(model.pickCamera({ display: devices.display }, 'cam')).toBeUndefined();
  });

  it('sends a hold\'s moves and its stop to the camera it started on', async () => {
    const { Joystick } = await import(pathToFileURL(join(import.meta.dirname, '../../src/api/panel/public/joystick.js')).href);
    const sent: string[] = [];
    let chosen = 'a';
    const joystick = new Joystick({ rateMs: 60_000, target: () => chosen, send: (name: string, _args: object, camera: string) => sent.push(`${name}@${camera}`) });
    joystick.press({ pan: 0.5 });
    chosen = 'b';
    joystick.press({ tilt: 0.5 }); // a new direction on the same hold
    joystick.release();
    joystick.press({ pan: -0.5 });
    joystick.release();
    expect(sent).toEqual(['move@a', 'move@a', 'stop@a', 'move@b', 'stop@b']);
  });

  it('names the other end of a call without its SIP address, and the inputs in words', () => {
    const directory = [{ name: 'PNR — siège', number: 'sip:siege@pnr.example' }];
    expect(model.remoteName(directory, 'sip:siege@pnr.example')).toBe('PNR — siège');
    expect(model.remoteName(directory, 'sip:jean.dupont@example.org')).toBe('jean.dupont');
    expect(model.remoteName(directory, '<sip:0467000000@gw.example;user=phone>')).toBe('04\u00a067\u00a000\u00a000\u00a000');
    expect(model.remoteName(directory, 'sip:+33467000000@gw.example')).toBe('+33467000000');
    expect(model.remoteName(directory, undefined)).toBeUndefined();
    expect(['pc', 'Laptop', 'codec', 'hdmi2', 'displayport1', 'Salle B'].map((n) => model.inputLabel(n, t))).toEqual(['Ordinateur', 'Ordinateur', 'Visio', 'HDMI 2', 'DisplayPort 1', 'Salle B']);
    const devices = { d: dev('d', ['power', 'input'], { state: { input: 'pc' } }), e: dev('e', ['power', 'input']) };
    expect(model.sourceChoices(devices, { d: ['codec', 'pc'] }, t)).toMatchObject({ device: { id: 'd' }, current: 'pc', choices: [{ name: 'codec', label: 'Visio' }, { name: 'pc', label: 'Ordinateur' }] });
    expect(model.sourceChoices(devices, {}, t)).toBeUndefined();
  });

  it('keeps what is out of order for the meeting, and steps the volume by 5 %', () => {
    const devices = { a: dev('a', ['power']), b: dev('b', ['power'], { online: false }), c: dev('c', ['micMute']), e: dev('e', ['ptz']) };
    const steps = [
      { device: 'b', status: 'skipped', error: { code: 'DeviceOffline' } },
      { device: 'c', status: 'failed', error: { code: 'DeviceError' } },
      { device: 'e', status: 'failed', error: { code: 'DeviceTimeout' } }, // silent, and back online since
    ];
    expect(model.notWorking(devices, steps)).toEqual(['b', 'c']);
    expect(model.notWorking(devices, undefined)).toEqual(['b']);
    expect([[30, 1], [32, 1], [30, -1], [3, -1], [98, 1], [100, 1]].map(([l, d]) => model.steppedVolume(l, d))).toEqual([35, 35, 25, 0, 100, 100]);
  });

  it('steps the volume with setVolume from the last asked level, and falls back to volumeUp/Down where there is no absolute volume', async () => {
    const { stepVolume } = await import(pathToFileURL(join(import.meta.dirname, '../../src/api/panel/public/meeting-view.js')).href);
    const sentCommands: string[] = [];
    const ui = (capabilities: string[], volume: number | null, unsupported = false) => ({
      t,
      state: { devices: { tv: dev('tv', capabilities, { state: { volume } }) }, busy: new Set(), relativeVolume: new Set(), volumeAsked: undefined },
      command: async (device: string, name: string, args: { level?: number }) => {
        sentCommands.push(`${device}.${name}${args.level === undefined ? '' : `(${args.level})`}`);
        return unsupported && name === 'setVolume' ? { ok: false, error: { code: 'Unsupported' } } : { ok: true };
      },
    });
    const mdc = ui(['power', 'volume'], 30);
    await stepVolume(mdc, 1);
    await stepVolume(mdc, 1); // held: from the level just asked for, before the feedback comes back
    await stepVolume(mdc, -1);
    expect(sentCommands.splice(0)).toEqual(['tv.setVolume(35)', 'tv.setVolume(40)', 'tv.setVolume(35)']);
    const cec = ui(['power', 'volume'], 12, true); // HDMI-CEC reports a level but cannot set one
    await stepVolume(cec, 1);
    await stepVolume(cec, -1);
    expect(sentCommands.splice(0)).toEqual(['tv.setVolume(15)', 'tv.volumeUp', 'tv.volumeDown']);
    await stepVolume(ui(['power', 'volume'], null), 1); // no level known yet
    expect(sentCommands.splice(0)).toEqual(['tv.volumeUp']);
  });

  it('writes French with a narrow no-break space before « : ? ! ; % » and inside « »', async () => {
    const { DICTIONARIES } = await import(pathToFileURL(join(import.meta.dirname, '../../src/api/panel/public/i18n.js')).href);
    const bad = Object.entries(DICTIONARIES.fr as Record<string, string>)
      .filter(([key]) => !key.startsWith('lang.')) // the English button label, in English
      .filter(([, text]) => /[^\u202f][:?!;%»]|«[^\u202f]/.test(text))
      .map(([key, text]) => `${key}: ${JSON.stringify(text)}`);
    expect(bad).toEqual([]);
    expect(DICTIONARIES.fr['mic.stillOpen']).toMatch(/^Encore ouverts\u202f: /);
  });

  it('has the same keys in every language', async () => {
    const { DICTIONARIES } = await import(pathToFileURL(join(import.meta.dirname, '../../src/api/panel/public/i18n.js')).href);
    expect(Object.keys(DICTIONARIES.en).sort()).toEqual(Object.keys(DICTIONARIES.fr).sort());
  });
});

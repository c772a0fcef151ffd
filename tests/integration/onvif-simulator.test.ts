import { randomBytes } from 'node:crypto';
import onvif from 'onvif';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSoapFault, passwordDigest, PASSWORD_DIGEST_TYPE } from '../../drivers/onvif/protocol.ts';
import { startOnvifSimulator, type OnvifSimulator } from '../../drivers/onvif/simulator.ts';

/**
 * The simulator on its own: WS-Security checked like a camera does (raw HTTP, hand-made headers),
 * fault injection, and the unmodified `onvif` client's own connect() and PTZ calls.
 */

let sim: OnvifSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

function security(user: string, password: string, created: string, nonce = randomBytes(16)): string {
  return (
    '<s:Header><Security s:mustUnderstand="1" xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd">' +
    `<UsernameToken><Username>${user}</Username><Password Type="${PASSWORD_DIGEST_TYPE}">${passwordDigest(nonce, created, password)}</Password>` +
    `<Nonce>${nonce.toString('base64')}</Nonce><Created>${created}</Created></UsernameToken></Security></s:Header>`
  );
}

async function post(body: string, header = ''): Promise<{ status: number; text: string }> {
  const res = await fetch(sim!.transport.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' },
    body: `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">${header}<s:Body>${body}</s:Body></s:Envelope>`,
  });
  return { status: res.status, text: await res.text() };
}

const GET_STATUS = '<GetStatus xmlns="http://www.onvif.org/ver20/ptz/wsdl"><ProfileToken>profile_main</ProfileToken></GetStatus>';

describe('onvif simulator: WS-Security', () => {
  it('answers GetSystemDateAndTime without credentials, with its own (offset) clock', async () => {
    sim = await startOnvifSimulator({ clockOffsetMs: 2 * 3600_000 });
    const { status, text } = await post('<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>');
    expect(status).toBe(200);
    const hour = Number(/<tt:Hour>(\d+)<\/tt:Hour>/.exec(text)![1]);
    expect(hour).toBe(new Date(Date.now() + 2 * 3600_000).getUTCHours());
  });

  it('accepts a digest signed with its clock; refuses local time on a camera 2 h off, a bad password, no token, a replayed nonce', async () => {
    sim = await startOnvifSimulator({ username: 'admin', password: 'secret', clockOffsetMs: 2 * 3600_000 });
    const deviceTime = sim.deviceNow().toISOString();
    expect((await post(GET_STATUS, security('admin', 'secret', deviceTime))).status).toBe(200);

    const cases: Array<[string, string]> = [
      [security('admin', 'secret', new Date().toISOString()), 'stale Created (-7200 s from the camera clock)'],
      [security('admin', 'wrong', deviceTime), 'wrong password digest'],
      [security('root', 'secret', deviceTime), "unknown user 'root'"],
      ['', 'no UsernameToken'],
    ];
    for (const [header, why] of cases) {
      const { status, text } = await post(GET_STATUS, header);
      expect(status).toBe(400);
      expect(parseSoapFault(text)).toEqual({ code: 's:Sender', subcode: 'ter:NotAuthorized', reason: 'Sender not Authorized' });
      expect(sim.operations.at(-1)!.authError).toBe(why);
    }
    const nonce = randomBytes(16);
    const created = sim.deviceNow().toISOString();
    expect((await post(GET_STATUS, security('admin', 'secret', created, nonce))).status).toBe(200);
    expect((await post(GET_STATUS, security('admin', 'secret', created, nonce))).status).toBe(400);
    expect(sim.operations.at(-1)!.authError).toBe('nonce replayed');
  });

  it('answers malformed XML and unknown operations with SOAP faults', async () => {
    sim = await startOnvifSimulator();
    const bad = await fetch(sim.transport.url, { method: 'POST', body: '<s:Envelope><oops' });
    expect(bad.status).toBe(400);
    expect(parseSoapFault(await bad.text())?.subcode).toBe('ter:WellFormed');
    const unknown = await post('<FlyToTheMoon xmlns="x"/>', security('admin', 'admin', sim.deviceNow().toISOString()));
    expect(unknown.status).toBe(500);
    expect(parseSoapFault(unknown.text)?.subcode).toBe('ter:ActionNotSupported');
  });
});

describe('onvif simulator: faults', () => {
  it('delays, answers garbage, and hangs when stalled', async () => {
    sim = await startOnvifSimulator();
    const dt = '<GetSystemDateAndTime xmlns="http://www.onvif.org/ver10/device/wsdl"/>';
    sim.faults.delayMs = 150;
    const t0 = performance.now();
    await post(dt);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(140);
    sim.faults.delayMs = 0;
    sim.faults.garbageRate = 1;
    expect((await post(dt)).text.startsWith('\u0000not xml ')).toBe(true);
    sim.faults.garbageRate = 0;
    sim.faults.stalled = true;
    const hung = await fetch(sim.transport.url, { method: 'POST', body: dt, signal: AbortSignal.timeout(200) }).then(
      () => 'answered',
      (e: Error) => e.name,
    );
    expect(hung).toBe('TimeoutError');
  });
});

describe('onvif simulator: the unmodified onvif client', () => {
  const call = <T>(fn: (cb: (err: Error | null, data?: T) => void) => void): Promise<T> =>
    new Promise((resolve, reject) => fn((err, data) => (err ? reject(err) : resolve(data as T))));

  it('connects with its own connect() and drives PTZ, nodes, presets and home', async () => {
    sim = await startOnvifSimulator({ clockOffsetMs: -2 * 3600_000 });
    const url = new URL(sim.transport.url);
    const cam = new onvif.Cam({ hostname: url.hostname, port: Number(url.port), username: 'admin', password: 'admin', timeout: 2000, autoconnect: false });
    await call((cb) => cam.connect(cb));
    expect(cam.activeSource?.profileToken).toBe('profile_main');
    expect(cam.activeSource?.ptz?.token).toBe('ptz_config');
    const nodes = await call<Record<string, { maximumNumberOfPresets: number }>>((cb) => cam.getNodes(cb));
    expect(nodes.ptz_node!.maximumNumberOfPresets).toBe(64);
    await call((cb) => cam.getConfigurations(cb));
    await call((cb) => cam.absoluteMove({ x: 0.5, y: 0.5, zoom: 0.5 }, cb));
    await new Promise((r) => setTimeout(r, 200));
    const res = await call<unknown[]>((cb) => cam.setPreset({ presetName: 'door' }, cb));
    expect(JSON.stringify(res)).toContain('preset_1');
    const presets = await call<Record<string, unknown>>((cb) => cam.getPresets({}, cb));
    expect(Object.keys(presets)).toEqual(['door']);
    await call((cb) => cam.setHomePosition({}, cb));
    await call((cb) => cam.removePreset({ presetToken: 'preset_1' }, cb));
    expect(sim.presets.size).toBe(0);
    expect(sim.ptz.home).toEqual({ pan: 0.5, tilt: 0.5, zoom: 0.5 });
    const status = await call<{ position: { x: number; y: number; zoom: number } }>((cb) => cam.getStatus({}, cb));
    expect(status.position).toEqual({ x: 0.5, y: 0.5, zoom: 0.5 });
    expect(sim.operations.filter((o) => o.authError)).toEqual([]);
  });
});

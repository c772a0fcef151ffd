import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MdcSimulator } from '../../drivers/samsung-mdc/simulator.ts';
import { ShureSimulator } from '../../drivers/shure-dcs/simulator.ts';
import { eventually, startTestDaemon, type TestDaemon } from '../helpers/daemon.ts';

/** Config reload: validate first; unchanged devices keep their connections; others start, stop, restart. */
describe('config reload', () => {
  let screen: MdcSimulator;
  let second: MdcSimulator;
  let mics: ShureSimulator;
  let daemon: TestDaemon;
  let ports: number[];
  const config = (devices: string) => `room: { id: reload, name: "Salle" }\ndevices:\n${devices}\n`;

  beforeAll(async () => {
    screen = new MdcSimulator();
    second = new MdcSimulator();
    mics = new ShureSimulator();
    ports = [await screen.listen(0), await second.listen(0), await mics.listen(0)];
    daemon = await startTestDaemon(config(`  screen: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${ports[0]} } }
  mics: { driver: shure-dcs, transport: { type: tcp, host: 127.0.0.1, port: ${ports[2]} } }`));
    await eventually(() => daemon.api('GET', '/api/v1/health'), (r) => r.body.status === 'ok');
  });
  afterAll(async () => {
    await daemon?.close();
    await Promise.all([screen?.close(), second?.close(), mics?.close()]);
  });

  it('a bad file changes nothing and says why, with file, line and key', async () => {
    daemon.writeConfig(config(`  screen: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: 99999 } }`));
    const res = await daemon.api('POST', '/api/v1/config/reload');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('ConfigError');
    expect(res.body.error.details.problems[0]).toMatch(/room\.yaml:3:75 devices\.screen\.transport\.port: expected integer to be less or equal to 65535/);
    expect((await daemon.api('GET', '/api/v1/devices')).body.map((d: { id: string }) => d.id).sort()).toEqual(['mics', 'screen']);
  });

  it('adds, removes and restarts devices; an unchanged device keeps its connection', async () => {
    // Accepted connections only ever grow: a reconnect (close then connect) shows, where a count of
    // open connections would be the same before and after.
    const screenAccepted = screen.accepted;
    const micsAccepted = mics.accepted;
    daemon.writeConfig(config(`  screen: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${ports[0]} } }
  second: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${ports[1]} } }
  mics: { driver: shure-dcs, name: "Micros", transport: { type: tcp, host: 127.0.0.1, port: ${ports[2]} } }`));
    const res = await daemon.api('POST', '/api/v1/config/reload');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, added: ['second'], removed: [], restarted: ['mics'], unchanged: ['screen'] });
    await eventually(() => daemon.api('GET', '/api/v1/devices/second'), (r) => r.body.online === true);
    expect((await daemon.api('GET', '/api/v1/devices/mics')).body.name).toBe('Micros');
    await eventually(() => daemon.api('GET', '/api/v1/devices/mics'), (r) => r.body.online === true);
    expect(mics.accepted).toBe(micsAccepted + 1);
    expect(screen.accepted).toBe(screenAccepted);
    expect(screen.connections).toBe(1);

    daemon.writeConfig(config(`  screen: { driver: samsung-mdc, transport: { type: tcp, host: 127.0.0.1, port: ${ports[0]} } }`));
    const removed = await daemon.api('POST', '/api/v1/config/reload');
    expect(removed.body).toMatchObject({ removed: ['second', 'mics'], unchanged: ['screen'] });
    expect(screen.accepted).toBe(screenAccepted);
    expect((await daemon.api('POST', '/api/v1/devices/mics/commands/muteMicrophones')).status).toBe(404);
    await eventually(() => Promise.resolve(mics.connections + second.connections), (n) => n === 0);
  });
});

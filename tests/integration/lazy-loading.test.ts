import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ViscaSerialSimulator } from '../../drivers/visca/simulator.ts';
import { spawnDaemon, type ChildDaemon } from '../helpers/child-daemon.ts';

/**
 * A room pays only for what it uses: a production-shaped room (one VISCA camera on a real link,
 * an external broker) must not load the simulators, the other drivers, the embedded broker or
 * swagger-ui (built on the first visit to /docs), nor build a route's validator and serializer
 * before its first request. Observed from outside the daemon: a module hook
 * given to node appends every module URL it loads, and every `require`, to a file.
 */
describe('modules a room does not use are not loaded', () => {
  let dir: string;
  let sim: ViscaSerialSimulator;
  let daemon: ChildDaemon;
  let loadedFile: string;
  const loaded = () => readFileSync(loadedFile, 'utf8').split('\n').filter(Boolean);
  const has = (fragment: string) => loaded().some((url) => url.includes(fragment));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-lazy-'));
    loadedFile = join(dir, 'loaded.txt');
    const hooks = join(dir, 'hooks.mjs');
    writeFileSync(hooks, `import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  appendFileSync(${JSON.stringify(loadedFile)}, url + '\\n');\n  return next(url, context);\n}\n`);
    const register = join(dir, 'register.mjs');
    // The hook sees ES modules; CommonJS ones (fastify's compilers, Ajv) are seen at `require`.
    writeFileSync(register, [
      `import { appendFileSync } from 'node:fs';`,
      `import Module, { register } from 'node:module';`,
      `register(${JSON.stringify(pathToFileURL(hooks).href)});`,
      `const load = Module._load;`,
      `Module._load = function (request, ...rest) { appendFileSync(${JSON.stringify(loadedFile)}, 'require:' + request + '\\n'); return load.call(this, request, ...rest); };`,
      '',
    ].join('\n'));
    writeFileSync(loadedFile, '');
    sim = await ViscaSerialSimulator.start({ link: 'tcp' });
    const t = sim.transport as { host: string; port: number };
    const file = join(dir, 'room.yaml');
    // The broker is an external one that is not there (port 1): the bridge keeps trying, which is all this needs.
    writeFileSync(file, `
room: { id: lazy, name: Lazy }
http: { host: 127.0.0.1, port: 0 }
mqtt: { url: "mqtt://127.0.0.1:1" }
sessions: { database: "${join(dir, 's.db')}" }
devices:
  camera: { driver: visca, transport: { type: tcp, host: ${t.host}, port: ${t.port} } }
`);
    daemon = await spawnDaemon(file, { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --import ${pathToFileURL(register).href}`.trim() });
  });

  afterAll(async () => {
    await daemon?.kill();
    await sim?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('loads the configured driver only, without its simulator or scanner, and no embedded broker', async () => {
    // The MQTT bridge starts after the HTTP server listens: wait until it has loaded mqtt.js.
    for (let i = 0; !has('/mqtt/') && i < 200; i++) await new Promise((r) => setTimeout(r, 50));
    expect(has('drivers/visca/index.')).toBe(true);
    expect(has('drivers/visca/driver.')).toBe(true);
    expect(loaded().filter((url) => /drivers\/visca\/(simulator|sim-camera|discover)\./.test(url))).toEqual([]);
    expect(loaded().filter((url) => /drivers\/(?!visca\/)[^/]+\//.test(url))).toEqual([]);
    expect(has('/aedes/')).toBe(false);
    expect(has('embedded-broker.')).toBe(false);
    expect(has('/mqtt/')).toBe(true); // the bridge is in use
    // No calendar configured: neither the bookings nor the iCalendar parser.
    expect(has('/ical.js/')).toBe(false);
    expect(loaded().filter((url) => /src\/calendar\/(?!wall-time\.)/.test(url))).toEqual([]);
  });

  it('compiles route schemas at their first request: no Ajv nor fast-json-stringify before', async () => {
    const required = (name: string) => loaded().includes(`require:${name}`);
    expect(required('avvio')).toBe(true); // the hook sees requires at all (fastify's own)
    for (const library of ['@fastify/ajv-compiler', 'ajv', '@fastify/fast-json-stringify-compiler', 'fast-json-stringify']) expect(required(library)).toBe(false);
    // A route with a params schema and a response schema: both built now, and the answer served
    // (tests/unit/lazy-schema-compilers.test.ts compares such answers with fastify's own compilers').
    const res = await fetch(`${daemon.url}/api/v1/devices/camera`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ id: 'camera', driver: 'visca' });
    expect(required('@fastify/ajv-compiler')).toBe(true);
    expect(required('@fastify/fast-json-stringify-compiler')).toBe(true);
  });

  it('builds /docs on the first visit, then serves the same OpenAPI document as /openapi.json', async () => {
    expect(has('@fastify/swagger-ui')).toBe(false);
    const page = await fetch(`${daemon.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toMatch(/swagger/i);
    expect(has('@fastify/swagger-ui')).toBe(true);
    const [docsJson, openapi] = await Promise.all([fetch(`${daemon.url}/docs/json`), fetch(`${daemon.url}/openapi.json`)]);
    expect(await docsJson.json()).toEqual(await openapi.json());
    const missing = await fetch(`${daemon.url}/docs/no-such-file`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NotFound' } });
  });
});

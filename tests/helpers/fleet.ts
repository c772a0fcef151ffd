import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parseFleetConfig } from '../../src/fleet/config.ts';
import { startFleet, type FleetCollector } from '../../src/fleet/run.ts';
import { startTestDaemon, type TestDaemon } from './daemon.ts';

/** How often rooms re-send un-acked sessions in these tests. */
export const RESEND_MS = 1000;

/** A room daemon (in-process) on `brokerUrl`, with one simulated display and a travel site. */
export function startFleetRoom(id: string, brokerUrl: string): Promise<TestDaemon> {
  return startTestDaemon(fleetRoomYaml(id, brokerUrl, '$DIR/sessions.db'), { mqtt: { fleet: { intervalMs: RESEND_MS } } });
}

export function fleetRoomYaml(id: string, brokerUrl: string, database: string): string {
  return `
room: { id: ${id}, name: "Salle ${id}" }
http: { port: 0 }
mqtt: { url: "${brokerUrl}", homeAssistant: { discovery: false } }
sessions:
  database: ${database}
  sites: { montpellier: { name: Montpellier, roundTripKm: 220 } }
devices:
  display: { driver: samsung-mdc, transport: { type: sim } }
`;
}

/** Starts and ends one meeting with `people` avoiding the Montpellier trip; returns the session id. */
export async function holdMeeting(room: TestDaemon, organisation: string, people = 2): Promise<string> {
  const start = await room.api('POST', '/api/v1/meeting/start', { organisation, avoidedTravel: [{ site: 'montpellier', people }] });
  if (start.status !== 200) throw new Error(`meeting start: ${start.status} ${JSON.stringify(start.body)}`);
  const end = await room.api('POST', '/api/v1/meeting/end', {});
  if (end.status !== 200) throw new Error(`meeting end: ${end.status} ${JSON.stringify(end.body)}`);
  return start.body.session.id as string;
}

/** A collector with its own directory (kept across `restart`), in-process. */
export interface TestCollector {
  dir: string;
  current: FleetCollector | undefined;
  start(): Promise<FleetCollector>;
  stop(): Promise<void>;
  get(path: string): Promise<{ status: number; body: any; text: string }>;
  close(): Promise<void>;
}

/** `http` replaces the collector's http section (tokens for the page's token prompt). */
export interface TestCollectorOptions {
  http?: string;
  /** The config's `rooms:` map, as YAML flow text. */
  rooms?: string;
}

export function testCollector(brokerUrl: string, clientId = `fleet-test-${process.pid}-${Math.random().toString(16).slice(2, 8)}`, options: TestCollectorOptions = {}): TestCollector {
  const dir = mkdtempSync(join(tmpdir(), 'roomd-fleet-'));
  const yaml = `
mqtt: { url: "${brokerUrl}", clientId: ${clientId}, keepaliveSeconds: 5 }
http: ${options.http ?? '{ port: 0 }'}
database: fleet.db
rooms: ${options.rooms ?? '{ r1: { name: "Salle une" } }'}
`;
  const c: TestCollector = {
    dir,
    current: undefined,
    async start() {
      const config = parseFleetConfig(yaml, join(dir, 'fleet.yaml'), dir);
      c.current = await startFleet(config, { log: pino({ level: process.env.ROOMD_TEST_LOG ?? 'silent' }), port: 0, backoff: { initialMs: 100, maxMs: 1000 } });
      return c.current;
    },
    async stop() {
      await c.current?.stop();
      c.current = undefined;
    },
    async get(path: string) {
      if (!c.current) throw new Error('collector not running');
      const res = await fetch(c.current.url + path);
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* CSV */
      }
      return { status: res.status, body: body as any, text };
    },
    async close() {
      await c.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return c;
}

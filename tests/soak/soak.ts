/**
 * Soak test with fault injection: the daemon in this process, four simulators injecting random
 * faults while meetings, joystick streams, REST and MQTT traffic run; then faults stop and the
 * daemon must have survived, converged to the simulators' truth, leaked nothing and lost no session.
 *
 *   node --import tsx tests/soak/soak.ts --minutes 10 [--seed 1234]     (npm run soak -- --minutes 10)
 *
 * A failing run prints its seed; the same seed replays the same schedule of faults and traffic
 * (the simulators' own drop/garbage draws and the timing are not replayable).
 */
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { startSimRoom, type SimRoom } from '../helpers/sim-room.ts';
import { allOnline, startBenchDaemon, until } from '../helpers/rig.ts';
import type { TestDaemon } from '../helpers/daemon.ts';
import { startMosquitto, type Mosquitto } from '../helpers/mosquitto.ts';
import { requireTool } from '../helpers/tools.ts';
import { Chaos, Dice, resourceCounts, seededRandom } from './chaos.ts';
import { Traffic } from './traffic.ts';

export interface SoakOptions {
  seconds: number;
  seed?: number;
  log?: (line: string) => void;
}

export interface SoakReport {
  seed: number;
  seconds: number;
  mqtt: boolean;
  failures: string[];
  unhandledRejections: string[];
  faults: Record<string, number>;
  traffic: Record<string, unknown>;
  rssMb: { before: number; after: number };
  resources: { before: Record<string, number>; after: Record<string, number> };
  listeners: { before: Record<string, number>; after: Record<string, number> };
  sessions: { started: number; total: number };
}

/** Limits of the leak checks: a few handles may legitimately differ (a reconnect timer armed). */
const RESOURCE_TOLERANCE = 4;
const RSS_GROWTH_LIMIT_MB = 50;

const mb = (n: number) => Math.round((n / 2 ** 20) * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function listenerCounts(daemon: TestDaemon): Record<string, number> {
  return {
    room: daemon.room.events.listenerCount(),
    store: daemon.room.store.events.listenerCount(),
    meeting: daemon.meeting.events.listenerCount(),
  };
}

/** Trims the simulators' frame logs, which would otherwise grow for the whole run (and count as a leak). */
function trimLogs(sims: SimRoom): void {
  sims.camera.log.clear();
  sims.display.log.length = 0;
  sims.mics.commands.length = 0;
  sims.codec.received.length = 0;
}

export async function runSoak(options: SoakOptions): Promise<SoakReport> {
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31);
  const log = options.log ?? (() => {});
  log(`soak: ${options.seconds} s, seed ${seed} (replay: --seed ${seed})`);
  const dice = new Dice(seededRandom(seed));
  const failures: string[] = [];
  const unhandled: string[] = [];
  const onRejection = (reason: unknown) => unhandled.push(`unhandledRejection: ${reason instanceof Error ? reason.stack : String(reason)}`);
  const onException = (err: Error) => unhandled.push(`uncaughtException: ${err.stack}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);

  let broker: Mosquitto | undefined;
  let sims: SimRoom | undefined;
  let daemon: TestDaemon | undefined;
  let traffic: Traffic | undefined;
  try {
    // Under CI=true a missing Mosquitto fails the soak; elsewhere it runs without MQTT, saying so.
    if (requireTool('mosquitto', 'mosquitto')) broker = await startMosquitto();
    sims = await startSimRoom({ link: 'tcp' });
    daemon = await startBenchDaemon(`
room: { id: soak, name: Soak }
${broker ? `mqtt: { url: "${broker.url}", role: technician }` : ''}
${sims.devicesYaml({
  display: { options: 'replyTimeoutMs: 1000', more: 'pollIntervalMs: 1000' },
  camera: { options: 'replyTimeoutMs: 500, presets: { "1": "Salle", "2": "Pupitre", "3": "Tableau" }' },
  mics: { options: 'replyTimeoutMs: 1000', more: 'pollIntervalMs: 2000' },
  codec: { options: 'commandTimeoutMs: 2000' },
})}
scenes:
  meetingStart:
    - { device: display, command: powerOn }
    - { device: display, command: selectInput, args: { input: hdmi1 }, timeoutMs: 5000 }
    - { device: codec, command: powerOn, timeoutMs: 5000 }
    - { device: camera, command: recallPreset, args: { preset: 1 }, timeoutMs: 5000 }
    - { device: mics, command: unmuteMicrophones, timeoutMs: 5000 }
  meetingEnd:
    - { device: mics, command: muteMicrophones, timeoutMs: 5000 }
    - { device: camera, command: home, timeoutMs: 5000 }
    - { device: codec, command: powerOff, timeoutMs: 5000 }
    - { device: display, command: powerOff, timeoutMs: 5000 }
meeting: { idleMinutes: 0 }
`);
    await allOnline(daemon);
    await sleep(1000);
    global.gc?.();
    const before = { rss: process.memoryUsage().rss, resources: resourceCounts(), listeners: listenerCounts(daemon) };

    // --- the storm ---
    const chaos = new Chaos(sims, dice);
    traffic = new Traffic(daemon.url, daemon.config.room.id, dice, broker?.url);
    await traffic.start();
    chaos.start();
    const endAt = Date.now() + options.seconds * 1000;
    while (Date.now() < endAt) {
      await sleep(Math.min(10_000, endAt - Date.now()));
      trimLogs(sims);
      const health = await daemon.api('GET', '/api/v1/health').catch((err: Error) => ({ status: 0, body: err.message }));
      if (health.status !== 200) failures.push(`health answered ${health.status} during the storm`);
      log(`soak: ${Math.round((endAt - Date.now()) / 1000)} s left; rss ${mb(process.memoryUsage().rss)} MB; meetings ${traffic.counts.meetingsStarted}; faults ${JSON.stringify(chaos.counts)}`);
    }
    await chaos.stop();
    await traffic.stop();
    // An ended meeting either way: sessions are then all closed.
    if (daemon.meeting.current.active) await daemon.api('POST', '/api/v1/meeting/end', {});

    // --- after the storm: recovery and convergence ---
    await allOnline(daemon, undefined, 30_000).catch((err: Error) => failures.push(`not every device came back online: ${err.message}; ${JSON.stringify(daemon!.room.devices().map((d) => [d.id, d.online, d.lastError?.message]))}`));
    await checkConvergence(daemon, sims, dice, failures);
    if (broker) checkMqtt(traffic, failures);

    // --- sessions: every meeting started has its row ---
    const list = await daemon.api('GET', '/api/v1/sessions?limit=10000');
    const ids = new Set((list.body.sessions as Array<{ id: string; endedAt?: string | null }>).map((s) => s.id));
    const lost = [...traffic.counts.sessionIds].filter((id) => !ids.has(id));
    if (list.body.total !== traffic.counts.meetingsStarted) failures.push(`sessions total ${list.body.total} ≠ meetings started ${traffic.counts.meetingsStarted}`);
    if (lost.length) failures.push(`sessions lost: ${lost.join(', ')}`);
    const open = (list.body.sessions as Array<{ id: string; endedAt?: string | null }>).filter((s) => !s.endedAt);
    if (open.length) failures.push(`sessions still open after the last meeting end: ${open.map((s) => s.id).join(', ')}`);

    // --- leaks ---
    traffic.close();
    await sleep(1500); // sockets closed by the clients go away; the deadman/stop settle
    trimLogs(sims);
    global.gc?.();
    const after = { rss: process.memoryUsage().rss, resources: resourceCounts(), listeners: listenerCounts(daemon) };
    for (const [name, n] of Object.entries(after.resources)) {
      const was = before.resources[name] ?? 0;
      if (n > was + RESOURCE_TOLERANCE) failures.push(`active ${name}: ${was} before, ${n} after (tolerance ${RESOURCE_TOLERANCE})`);
    }
    for (const [name, n] of Object.entries(after.listeners)) {
      if (n > before.listeners[name]!) failures.push(`${name} event-bus listeners: ${before.listeners[name]} before, ${n} after`);
    }
    if (mb(after.rss - before.rss) > RSS_GROWTH_LIMIT_MB) failures.push(`RSS grew ${mb(after.rss - before.rss)} MB (limit ${RSS_GROWTH_LIMIT_MB})`);
    if (unhandled.length) failures.push(`${unhandled.length} unhandled rejection(s)/exception(s); first: ${unhandled[0]}`);
    const health = await daemon.api('GET', '/api/v1/health');
    if (health.status !== 200) failures.push(`health answered ${health.status} at the end`);

    const { sessionIds, ...counts } = traffic.counts;
    const report: SoakReport = {
      seed,
      seconds: options.seconds,
      mqtt: !!broker,
      failures,
      unhandledRejections: unhandled,
      faults: { ...chaos.counts },
      traffic: { ...counts, sessions: sessionIds.size },
      rssMb: { before: mb(before.rss), after: mb(after.rss) },
      resources: { before: before.resources, after: after.resources },
      listeners: { before: before.listeners, after: after.listeners },
      sessions: { started: traffic.counts.meetingsStarted, total: list.body.total as number },
    };
    log(`soak: ${failures.length ? `FAILED (seed ${seed})` : 'ok'}\n${JSON.stringify(report, null, 2)}`);
    return report;
  } finally {
    traffic?.close();
    await daemon?.close().catch(() => {});
    await sims?.close().catch(() => {});
    await broker?.close().catch(() => {});
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  }
}

/**
 * With faults off, the daemon's state must follow the devices: changes made on the devices
 * themselves (someone at the display's remote, the array's touch button) and commands sent now.
 */
async function checkConvergence(daemon: TestDaemon, sims: SimRoom, dice: Dice, failures: string[]): Promise<void> {
  const state = (id: string) => daemon.room.store.get(id)?.state ?? {};
  const expectEventually = async (what: string, fn: () => boolean, timeoutMs = 10_000) => {
    await until(what, fn, timeoutMs).catch(() => failures.push(`${what}: did not converge`));
  };
  // The display: volume and power changed behind the daemon's back are read by the next poll.
  const volume = dice.int(1, 99);
  sims.display.state.volume = volume;
  sims.display.state.power = !sims.display.state.power;
  await expectEventually(`display volume ${volume} and power ${sims.display.state.power ? 'on' : 'off'} read back`, () => {
    const s = state('display');
    return s.volume === sims.display.state.volume && s.power === (sims.display.state.power ? 'on' : 'off');
  });
  // The microphones: the array's own mute button is pushed to every client.
  sims.mics.pressMuteButton();
  await expectEventually(`mics micMuted ${sims.mics.state.muted} pushed`, () => state('mics').micMuted === sims.mics.state.muted);
  // Commands work again, end to end.
  const res = await daemon.api('POST', '/api/v1/devices/display/commands/setVolume', { level: 42 });
  if (res.status !== 200 || sims.display.state.volume !== 42) failures.push(`setVolume 42 after the storm: HTTP ${res.status} ${JSON.stringify(res.body)}, display at ${sims.display.state.volume}`);
  const mute = await daemon.api('POST', '/api/v1/devices/mics/commands/muteMicrophones', {});
  if (mute.status !== 200 || !sims.mics.state.muted || state('mics').micMuted !== true) failures.push(`muteMicrophones after the storm: HTTP ${mute.status}, array muted ${sims.mics.state.muted}`);
  // The camera: power as the camera has it, and not left moving.
  await expectEventually('camera power read back', () => state('camera').power === sims.camera.camera.power);
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { minutes: { type: 'string', default: '2' }, seed: { type: 'string' } } });
  const seconds = Math.round(Number(values.minutes) * 60);
  if (!(seconds > 0)) {
    console.error('usage: soak.ts --minutes N [--seed S]');
    return 2;
  }
  const report = await runSoak({ seconds, ...(values.seed ? { seed: Number(values.seed) } : {}), log: (l) => console.log(l) });
  return report.failures.length ? 1 : 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  process.exitCode = await main();
}

/**
 * Device outcomes a command may legitimately meet while simulators inject faults; anything else
 * (BadArgs, BadRequest, Internal, a missing code) means the MQTT path itself went wrong.
 */
const MQTT_FAULT_OUTCOMES = new Set(['DeviceOffline', 'DeviceTimeout', 'DeviceError', 'Superseded']);

/** Every MQTT command was answered on `B/result` exactly once, with `ok` or a device outcome. */
function checkMqtt(traffic: Traffic, failures: string[]): void {
  const { mqttPublished, mqttResults, mqttStrayResults } = traffic.counts;
  const answered = Object.values(mqttResults).reduce((a, b) => a + b, 0);
  if (mqttPublished === 0) failures.push('no MQTT command was published');
  if (traffic.mqttUnanswered.length) failures.push(`${traffic.mqttUnanswered.length} MQTT command(s) never answered on B/result, e.g. ${traffic.mqttUnanswered.slice(0, 5).join(', ')}`);
  if (answered + traffic.mqttUnanswered.length !== mqttPublished) failures.push(`MQTT: ${mqttPublished} published, ${answered} answered, ${traffic.mqttUnanswered.length} unanswered`);
  if (mqttStrayResults) failures.push(`${mqttStrayResults} MQTT result(s) for an id never sent, or sent twice`);
  if (!mqttResults.ok) failures.push(`no MQTT command succeeded: ${JSON.stringify(mqttResults)}`);
  const wrong = Object.keys(mqttResults).filter((k) => k !== 'ok' && !MQTT_FAULT_OUTCOMES.has(k));
  if (wrong.length) failures.push(`MQTT results with outcomes no fault explains: ${wrong.map((k) => `${k} ×${mqttResults[k]}`).join(', ')}`);
}


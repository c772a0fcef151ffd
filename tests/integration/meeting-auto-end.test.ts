import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driver as baresip } from '../../drivers/baresip/index.ts';
import { startBaresipSimulator, type BaresipSimulator } from '../../drivers/baresip/simulator.ts';
import { makeCommand } from '../../src/core/command.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { MeetingController } from '../../src/core/meeting.ts';
import { Room } from '../../src/core/room.ts';
import { SessionStore } from '../../src/sessions/index.ts';
import { eventually } from '../helpers/daemon.ts';

/**
 * Automatic end: after `idleMinutes` with no call and no touch, and at the nightly hour in the
 * room's time zone — never while a call is connected. The meeting's clocks (wall and monotonic)
 * are driven by the test; the codec is the baresip simulator over loopback TCP, the session log the
 * real SQLite store in a temp file (what ended, and why, is read back from it).
 */
describe('automatic meeting end', () => {
  let sim: BaresipSimulator;
  let room: Room;
  let meeting: MeetingController;
  let store: SessionStore;
  let dir: string;
  let clock: Date;
  let mono: number;
  const ended = () => store.list().sessions.filter((s) => s.status === 'closed').map((s) => s.endReason);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'roomd-auto-end-'));
    clock = new Date('2026-11-27T08:30:00Z'); // 14:00 in the room (Kolkata, +05:30, a zone no test machine runs in)
    mono = 1_000_000;
    store = SessionStore.open({ path: join(dir, 'sessions.db'), room: 'r', now: () => clock.getTime() });
    sim = await startBaresipSimulator({ ringMs: 10, answerMs: 10 });
    room = new Room({ id: 'r', name: 'r', locale: 'fr', organisations: [] }, silentLogger);
    room.addDevice({ id: 'codec', driver: 'baresip', transport: sim.transport, options: {}, deadmanMs: 0 }, baresip);
    await eventually(() => room.device('codec').online, Boolean);
    meeting = new MeetingController(
      room,
      store,
      { meetingStart: [], meetingEnd: [], idleMinutes: 30, nightlyEndAt: '22:00', timeZone: 'Asia/Kolkata', now: () => clock, monotonic: () => mono },
      silentLogger,
    );
    await meeting.start({}, { surface: 'test' });
  });
  afterEach(async () => {
    meeting.close();
    await room.stop();
    await sim.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Time passes: both clocks move. */
  const advance = (minutes: number) => {
    clock = new Date(clock.getTime() + minutes * 60_000);
    mono += minutes * 60_000;
  };
  /** Sets the wall clock to a room time on the same day, the monotonic one moving as much. */
  const roomTime = (hhmm: string) => {
    const next = new Date(`2026-11-27T${hhmm}:00+05:30`);
    mono += next.getTime() - clock.getTime();
    clock = next;
  };

  it('ends after idleMinutes with no call and nothing touched', async () => {
    advance(29);
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(true);
    advance(2);
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(false);
    expect(ended()).toEqual(['idle']);
    expect(store.list().sessions[0]).toMatchObject({ durationMin: 31 });
  });

  it('a command from a person postpones the idle end', async () => {
    advance(25);
    await room.execute(makeCommand('codec', 'muteMicrophones', {}, { surface: 'rest' }));
    advance(10);
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(true);
  });

  it('never ends while a call is connected, idle or night', async () => {
    await room.execute(makeCommand('codec', 'dial', { number: 'sip:far@127.0.0.1' }, { surface: 'rest' }));
    await eventually(() => (room.device('codec').state.call as { status: string }).status, (s) => s === 'connected');
    advance(8 * 60); // 22:00 passes, and hours of "idle"
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(true);
    sim.farHangup();
    await eventually(() => (room.device('codec').state.call as { status: string }).status, (s) => s === 'idle');
    advance(31);
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(false);
  });

  it("ends at the nightly hour of the room's time zone, not the process's", async () => {
    roomTime('21:50');
    await room.execute(makeCommand('codec', 'muteMicrophones', {}, { surface: 'rest' }));
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(true);
    // The process's own 22:00 (UTC here) is hours away: only the room's zone makes this the nightly hour.
    roomTime('22:01');
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(false);
    expect(ended()).toEqual(['night']);
  });

  it('a forward wall-clock jump of 3 days neither ends the meeting nor inflates its duration', async () => {
    mono += 16_000;
    clock = new Date(clock.getTime() + 3 * 86_400_000 + 16_000); // crosses three nights at 22:00
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(true);
    await meeting.end({}, { surface: 'test' });
    const [session] = store.list().sessions;
    expect(session).toMatchObject({ endReason: 'user', durationMin: 0 });
    expect(store.report().minutes).toBe(0);
  });
});

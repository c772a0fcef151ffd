import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { driver as baresip } from '../../drivers/baresip/index.ts';
import { startBaresipSimulator, type BaresipSimulator } from '../../drivers/baresip/simulator.ts';
import { makeCommand } from '../../src/core/command.ts';
import { silentLogger } from '../../src/core/logger.ts';
import { MeetingController, type SessionLog } from '../../src/core/meeting.ts';
import { Room } from '../../src/core/room.ts';
import { eventually } from '../helpers/daemon.ts';

/**
 * Automatic end: after `idleMinutes` with no call and no touch, and at the nightly hour — never
 * while a call is connected. The meeting's clock is driven by the test; the codec is the baresip
 * simulator over loopback TCP.
 */
describe('automatic meeting end', () => {
  let sim: BaresipSimulator;
  let room: Room;
  let meeting: MeetingController;
  let clock: Date;
  const ended: string[] = [];
  const log: SessionLog = {
    startSession: () => ({ id: 's1' }),
    endSession: (id, input) => (ended.push(input.reason), { id }),
    openSession: () => undefined,
    addCall: () => {},
    addFault: () => {},
  };

  beforeEach(async () => {
    ended.length = 0;
    clock = new Date(2026, 10, 27, 14, 0, 0);
    sim = await startBaresipSimulator({ ringMs: 10, answerMs: 10 });
    room = new Room({ id: 'r', name: 'r', locale: 'fr', organisations: [] }, silentLogger);
    room.addDevice({ id: 'codec', driver: 'baresip', transport: sim.transport, options: {}, deadmanMs: 0 }, baresip);
    await eventually(() => room.device('codec').online, Boolean);
    meeting = new MeetingController(room, log, { meetingStart: [], meetingEnd: [], idleMinutes: 30, nightlyEndAt: '22:00', now: () => clock }, silentLogger);
    await meeting.start({}, { surface: 'test' });
  });
  afterEach(async () => {
    meeting.close();
    await room.stop();
    await sim.close();
  });

  const advance = (minutes: number) => (clock = new Date(clock.getTime() + minutes * 60_000));

  it('ends after idleMinutes with no call and nothing touched', async () => {
    advance(29);
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(true);
    advance(2);
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(false);
    expect(ended).toEqual(['idle']);
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

  it('ends at the nightly hour', async () => {
    clock = new Date(2026, 10, 27, 21, 50);
    await room.execute(makeCommand('codec', 'muteMicrophones', {}, { surface: 'rest' }));
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(true);
    clock = new Date(2026, 10, 27, 22, 1);
    await meeting.checkAutoEnd();
    expect(meeting.current.active).toBe(false);
    expect(ended).toEqual(['night']);
  });
});

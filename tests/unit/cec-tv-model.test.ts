import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TvModel } from '../../drivers/cec/tv-model.ts';
import { formatFrame, parseFrameHex, type CecFrame } from '../../drivers/cec/protocol.ts';

/** The simulated TV, frame in → frames out, on fake timers. */
describe('TvModel', () => {
  let sent: string[];
  let tv: TvModel;
  const rx = (hex: string) => tv.receive(parseFrameHex(hex)!);
  const settle = () => vi.advanceTimersByTime(1000);

  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    tv = new TvModel((f: CecFrame) => sent.push(formatFrame(f)), { warmingMs: 300, coolingMs: 200, volume: 30 });
  });
  afterEach(() => {
    tv.close();
    vi.useRealTimers();
  });

  it.each([
    ['Give Device Power Status (standby)', '40:8f', ['04:90:01']],
    ['Give Physical Address', '40:83', ['0f:84:00:00:00']],
    ['Give OSD Name', '40:46', ['04:47:54:56']],
    ['Get CEC Version', '40:9f', ['04:9e:05']],
    ['Give Device Vendor ID', 'f0:8c', ['0f:87:08:00:46']],
    ['Get Menu Language', '40:91', ['0f:32:65:6e:67']],
    ['Give Audio Status', '50:71', ['05:7a:1e']],
    ['unknown directed opcode: Feature Abort', '40:70', ['04:00:70:00']],
    ['malformed directed frame: Feature Abort invalid operand', '40:86:10', ['04:00:86:03']],
    ['Set OSD Name is informational', '40:47:72:6f', []],
    ['unknown broadcast is ignored', '4f:a0:00', []],
  ])('%s', (_name, frame, replies) => {
    expect(rx(frame)).toBe(true);
    settle();
    expect(sent).toEqual(replies);
  });

  it('ACKs frames for 0 and broadcasts only', () => {
    expect(rx('40:8f')).toBe(true);
    expect(rx('4f:36')).toBe(true);
    expect(rx('45:8f')).toBe(false);
    expect(rx('f0')).toBe(true); // poll
    expect(rx('44')).toBe(false);
  });

  it('powers on through warming and announces it', () => {
    rx('40:04');
    expect(tv.power).toBe('warming');
    rx('40:8f');
    vi.advanceTimersByTime(10);
    expect(sent).toEqual(['04:90:02']);
    settle();
    expect(tv.power).toBe('on');
    expect(sent).toEqual(['04:90:02', '0f:90:00']);
  });

  it('goes to standby through cooling on Standby, directed or broadcast', () => {
    rx('40:04');
    settle();
    rx('4f:36');
    expect(tv.power).toBe('cooling');
    settle();
    expect(tv.power).toBe('standby');
    expect(sent.at(-1)).toBe('0f:90:01');
  });

  it('switches input on Set Stream Path, Active Source and Routing Change', () => {
    rx('4f:86:20:00');
    expect(tv.activeSource).toBe(0x2000);
    rx('4f:82:10:00');
    expect(tv.activeSource).toBe(0x1000);
    rx('5f:80:10:00:30:00');
    expect(tv.activeSource).toBe(0x3000);
  });

  it('changes volume and mute from User Control keys and reports audio status', () => {
    rx('40:44:41');
    rx('40:45');
    rx('40:44:43');
    settle();
    expect(tv.volume).toBe(31);
    expect(tv.muted).toBe(true);
    expect(sent).toEqual(['04:7a:1f', '04:7a:9f']);
    rx('40:44:42');
    settle();
    expect(tv.volume).toBe(30);
    expect(tv.muted).toBe(false);
  });

  it('acts on its own remote', () => {
    tv.powerOnFromRemote();
    settle();
    tv.switchInputFromRemote(0x2000);
    tv.standbyFromRemote();
    settle();
    expect(sent).toEqual(['0f:90:00', '0f:80:00:00:20:00', '0f:36', '0f:90:01']);
    expect(tv.power).toBe('standby');
  });

  it('a stalled TV neither ACKs nor answers', () => {
    tv.stalled = true;
    expect(rx('40:8f')).toBe(false);
    settle();
    expect(sent).toEqual([]);
    expect(tv.received).toHaveLength(1);
  });
});

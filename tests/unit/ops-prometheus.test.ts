import { describe, expect, it } from 'vitest';
import { CounterVec, HistogramVec, escapeLabelValue, formatLabels, formatValue, gauge, renderFamilies } from '../../src/ops/prometheus.ts';

describe('prometheus text format 0.0.4', () => {
  it.each([
    ['plain', 'plain'],
    ['a"quote', 'a\\"quote'],
    ['back\\slash', 'back\\\\slash'],
    ['two\nlines', 'two\\nlines'],
    ['salle—é', 'salle—é'],
  ])('label value %j is escaped as %j', (raw, escaped) => {
    expect(escapeLabelValue(raw)).toBe(escaped);
  });

  it.each([
    [0, '0'],
    [42, '42'],
    [0.25, '0.25'],
    [1e-7, '1e-7'],
    [Infinity, '+Inf'],
    [-Infinity, '-Inf'],
    [NaN, 'NaN'],
  ])('value %s is written %s', (value, text) => {
    expect(formatValue(value)).toBe(text);
  });

  it('labels keep their order and are omitted when empty', () => {
    expect(formatLabels({})).toBe('');
    expect(formatLabels({ device: 'camera', outcome: 'ok' })).toBe('{device="camera",outcome="ok"}');
  });

  it('renders HELP, TYPE and samples, ending with a newline', () => {
    const commands = new CounterVec('roomd_commands_total', 'Commands.\nBy outcome.', ['device', 'outcome']);
    commands.inc({ device: 'camera', outcome: 'ok' });
    commands.inc({ device: 'camera', outcome: 'ok' }, 2);
    commands.inc({ outcome: 'DeviceTimeout', device: 'display' });
    const text = renderFamilies([commands.collect(), gauge('roomd_meeting_active', 'Meeting.', 1)]);
    expect(text).toBe(
      [
        '# HELP roomd_commands_total Commands.\\nBy outcome.',
        '# TYPE roomd_commands_total counter',
        'roomd_commands_total{device="camera",outcome="ok"} 3',
        'roomd_commands_total{device="display",outcome="DeviceTimeout"} 1',
        '# HELP roomd_meeting_active Meeting.',
        '# TYPE roomd_meeting_active gauge',
        'roomd_meeting_active 1',
        '',
      ].join('\n'),
    );
  });

  it('histogram buckets are cumulative, with +Inf, _sum and _count', () => {
    const h = new HistogramVec('roomd_command_duration_seconds', 'Latency.', ['device'], [0.01, 0.1, 1]);
    for (const v of [0.005, 0.01, 0.05, 0.5, 3]) h.observe({ device: 'camera' }, v);
    const text = renderFamilies([h.collect()]);
    expect(text.split('\n').slice(2, -1)).toEqual([
      'roomd_command_duration_seconds_bucket{device="camera",le="0.01"} 2', // 0.01 falls in le=0.01 (≤)
      'roomd_command_duration_seconds_bucket{device="camera",le="0.1"} 3',
      'roomd_command_duration_seconds_bucket{device="camera",le="1"} 4',
      'roomd_command_duration_seconds_bucket{device="camera",le="+Inf"} 5',
      'roomd_command_duration_seconds_sum{device="camera"} 3.565',
      'roomd_command_duration_seconds_count{device="camera"} 5',
    ]);
  });

  it('refuses invalid metric and label names rather than emitting a scrape Prometheus rejects', () => {
    expect(() => renderFamilies([gauge('roomd-online', 'x', 1)])).toThrow(/invalid metric name/);
    expect(() => renderFamilies([gauge('roomd_online', 'x', [{ labels: { 'bad-label': 'x' }, value: 1 }])])).toThrow(/invalid label name/);
    expect(() => renderFamilies([gauge('roomd_online', 'x', [{ labels: { __name__: 'x' }, value: 1 }])])).toThrow(/invalid label name/);
  });

  it('counters only go up and histogram buckets must increase', () => {
    expect(() => new CounterVec('c_total', 'c', []).inc({}, -1)).toThrow();
    expect(() => new HistogramVec('h', 'h', [], [1, 1])).toThrow();
  });
});

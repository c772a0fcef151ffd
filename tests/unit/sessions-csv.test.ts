import { describe, expect, it } from 'vitest';
import { csvCell, SESSION_CSV_COLUMNS, sessionsToCsv, toCsv, type CsvValue } from '../../src/sessions/csv.ts';
import type { SessionRecord } from '../../src/sessions/types.ts';

/** A tiny RFC 4180 parser (quoted fields, doubled quotes, CRLF records), independent of the writer. */
function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), (i += 2);
      else if (c === '"') (quoted = false), i++;
      else (field += c), i++;
    } else if (c === '"' && field === '') (quoted = true), i++;
    else if (c === delimiter) row.push(field), (field = ''), i++;
    else if (c === '\r' && text[i + 1] === '\n') row.push(field), rows.push(row), (row = []), (field = ''), (i += 2);
    else if (c === '\n' || c === '\r') throw new Error(`bare line break at ${i}`);
    else (field += c), i++;
  }
  if (field !== '' || row.length) throw new Error('last record not terminated by CRLF');
  return rows;
}

describe('sessions csv: cells', () => {
  it.each<[CsvValue, string]>([
    ['plain', 'plain'],
    ['', ''],
    [null, ''],
    [undefined, ''],
    [42, '42'],
    [630.496, '630.496'],
    [-3, '-3'], // a number is never a formula
    [Number.NaN, ''],
    [true, 'true'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line1\nline2', '"line1\nline2"'],
    ['cr\rlf', '"cr\rlf"'],
    ['Béziers — salle à manger', 'Béziers — salle à manger'],
    ['=HYPERLINK("http://x","y")', `"'=HYPERLINK(""http://x"",""y"")"`],
    ['+33 4 67 97 00 00', "'+33 4 67 97 00 00"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['a=b', 'a=b'], // only a leading sign matters
  ])('%j → %s', (value, expected) => {
    expect(csvCell(value)).toBe(expected);
  });

  it('quotes on the chosen delimiter only', () => {
    expect(csvCell('a;b', ';')).toBe('"a;b"');
    expect(csvCell('a,b', ';')).toBe('a,b');
    expect(csvCell('a;b', ',')).toBe('a;b');
  });
});

describe('sessions csv: documents', () => {
  it('ends every record with CRLF and adds the BOM on request', () => {
    expect(toCsv(['a', 'b'], [[1, 'x']])).toBe('a,b\r\n1,x\r\n');
    expect(toCsv(['a'], [], { bom: true })).toBe('\uFEFFa\r\n');
    expect(toCsv(['a', 'b'], [[1.5, 'x;y']], { delimiter: ';' })).toBe('a;b\r\n1.5;"x;y"\r\n');
  });

  it('round-trips nasty values through a parser', () => {
    const rows: string[][] = [
      ['Commune de Saint-Pons', 'Réunion "budget", 2ᵉ partie', 'ligne 1\r\nligne 2\nligne 3'],
      ['', '"', ',,,'],
      ['Œuvre — été', 'naïve café', 'x'],
    ];
    const text = toCsv(['organisation', 'title', 'notes'], rows, { bom: true });
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(parseCsv(text.slice(1))).toEqual([['organisation', 'title', 'notes'], ...rows]);
    // UTF-8 bytes survive too.
    expect(Buffer.from(text, 'utf8').toString('utf8')).toBe(text);
  });

  it('exports session records with flattened lists', () => {
    const s: SessionRecord = {
      id: 'a1',
      room: 'st-pons',
      organisation: 'PNR, Haut-Languedoc',
      title: '=cmd|calc',
      startedAt: '2026-11-03T09:00:00.000Z',
      endedAt: '2026-11-03T10:30:00.000Z',
      startedBy: 'panel',
      endedBy: 'panel',
      durationMin: 90,
      dialed: [
        { id: 1, number: 'sip:siege@pnr.example', direction: 'outgoing', startedAt: '2026-11-03T09:01:00.000Z', connectedAt: null, endedAt: null, outcome: 'answered' },
        { id: 2, number: '+33467000000', direction: 'outgoing', startedAt: '2026-11-03T09:02:00.000Z', connectedAt: null, endedAt: null, outcome: 'busy' },
      ],
      avoidedTravel: [
        { site: 'montpellier', name: 'Montpellier', people: 4, cars: 4, km: 880 },
        { site: 'beziers', name: 'Béziers', people: 5, cars: 2, carpool: true, km: 208 },
      ],
      kmAvoided: 1088,
      co2Kg: 265.472,
      faults: [{ at: '2026-11-03T09:05:00.000Z', device: 'camera', code: 'DeviceTimeout', message: 'no ACK' }],
      status: 'closed',
      endReason: 'user',
      lastActivityAt: '2026-11-03T10:30:00.000Z',
    };
    const open: SessionRecord = { ...s, id: 'b2', organisation: null, title: null, endedAt: null, endedBy: null, durationMin: null, dialed: [], avoidedTravel: [], kmAvoided: 0, co2Kg: 0, faults: [], status: 'open', endReason: null };
    const parsed = parseCsv(sessionsToCsv([s, open]));
    expect(parsed[0]).toEqual([...SESSION_CSV_COLUMNS]);
    const row = Object.fromEntries(SESSION_CSV_COLUMNS.map((c, i) => [c, parsed[1][i]]));
    expect(row).toEqual({
      id: 'a1', room: 'st-pons', organisation: 'PNR, Haut-Languedoc', title: "'=cmd|calc",
      startedAt: '2026-11-03T09:00:00.000Z', endedAt: '2026-11-03T10:30:00.000Z', durationMin: '90',
      status: 'closed', endReason: 'user', startedBy: 'panel', endedBy: 'panel',
      dialed: 'sip:siege@pnr.example; +33467000000',
      avoidedTravel: 'Montpellier ×4 (880 km); Béziers ×5 in 2 cars (208 km)',
      people: '9', kmAvoided: '1088', co2Kg: '265.472', faults: '1',
    });
    expect(parsed[2]).toEqual(['b2', 'st-pons', '', '', '2026-11-03T09:00:00.000Z', '', '', 'open', '', 'panel', '', '', '', '0', '0', '0', '0']);
  });
});

import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { XmlError, escapeXml, parseXml, type XmlElement } from '../../drivers/onvif/xml.ts';
import { formatTimeout, parseDuration, parsePresets, parseProfiles, parseSetPresetToken, parseSoapFault, parseStatus, presetTokenMap, resolvePresetRef } from '../../drivers/onvif/protocol.ts';
import { noisyText, params } from './fuzz-helpers.ts';

/**
 * The ONVIF XML reader (drivers/onvif/xml.ts) and the answer readers built on it (protocol.ts).
 * SOAP arrives whole over HTTP, so there is no chunking: the properties are "malformed input is an
 * XmlError (never another exception)", "serialise → parse is the identity" and "the readers never
 * throw anything but XmlError".
 */
const XMLISH = ['<', '>', '/', '</', '/>', '<?', '?>', '<!--', '-->', '<![CDATA[', ']]>', '&', '&amp;', '&#x', ';', '="', "='", '"', "'", ' ', 'a', 'tt:', 'Envelope', '\n'];

/** Parses, and returns the element or the XmlError; any other exception fails the property. */
function tryParse(source: string): XmlElement | XmlError {
  try {
    return parseXml(source);
  } catch (err) {
    if (err instanceof XmlError) return err;
    throw err;
  }
}

// Names: optional prefix, local part; `xmlns` attributes are namespace declarations and dropped by design.
const local = fc.stringMatching(/^[A-Za-z_][-A-Za-z0-9_.]{0,10}$/).filter((n) => !n.toLowerCase().startsWith('xmlns'));
const qualified = fc.tuple(fc.option(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,4}$/), { nil: undefined }), local).map(([p, l]) => ({ wire: p ? `${p}:${l}` : l, local: l }));
const textArb = fc.string({ unit: 'binary', maxLength: 30 });

interface Tree {
  name: { wire: string; local: string };
  attrs: [string, string][];
  content: (string | Tree)[];
}

const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.record({
    name: qualified,
    // Unique local names: a duplicate attribute is a well-formedness error the reader need not catch.
    // `__proto__` is left out: attrs is a plain object (see the fuzz report).
    attrs: fc.uniqueArray(fc.tuple(local.filter((n) => n !== '__proto__'), textArb), { maxLength: 3, selector: ([n]) => n }),
    content: fc.array(fc.oneof({ depthSize: 'small', maxDepth: 4 }, { weight: 2, arbitrary: textArb }, { weight: 1, arbitrary: tie('tree') }), { maxLength: 4 }),
  }),
}));

function serialise(t: Tree): string {
  const attrs = t.attrs.map(([n, v]) => ` ${n}="${escapeXml(v)}"`).join('');
  if (t.content.length === 0) return `<${t.name.wire}${attrs}/>`;
  return `<${t.name.wire}${attrs}>${t.content.map((c) => (typeof c === 'string' ? escapeXml(c) : serialise(c))).join('')}</${t.name.wire}>`;
}

function expected(t: Tree): XmlElement {
  return {
    name: t.name.local,
    attrs: Object.fromEntries(t.attrs),
    children: t.content.filter((c): c is Tree => typeof c !== 'string').map(expected),
    text: t.content.filter((c): c is string => typeof c === 'string').join(''),
  };
}

describe('fuzz: ONVIF XML reader', () => {
  it('any text parses or throws XmlError — never another exception', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), noisyText(XMLISH, 200)), (s) => void tryParse(s)),
      params(500),
    );
  });

  it('round-trips element trees: names (prefix stripped), attributes, children and text (entities, unicode)', () => {
    fc.assert(
      fc.property(tree, fc.boolean(), (t, prolog) => {
        const doc = `${prolog ? '<?xml version="1.0" encoding="UTF-8"?>\n' : ''}${serialise(t)}`;
        expect(parseXml(doc)).toEqual(expected(t));
      }),
      params(400),
    );
  });

  it('a truncated document is an XmlError, never a partial tree', () => {
    fc.assert(
      fc.property(tree, fc.nat(), (t, at) => {
        const doc = serialise(t);
        const end = at % doc.length;
        const r = tryParse(doc.slice(0, end));
        // Cutting inside the root leaves it unclosed; only the whole document is a tree.
        expect(r).toBeInstanceOf(XmlError);
      }),
      params(400),
    );
  });

  it('deep nesting (5 000 levels) is parsed or refused with XmlError, not a stack overflow', () => {
    const depth = 5000;
    const doc = `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`;
    const r = tryParse(doc);
    expect(r).not.toBeInstanceOf(XmlError);
    expect(() => tryParse(`${'<a>'.repeat(depth)}`)).not.toThrow();
    // The recursive finders cope at this depth (a ~20 000-level document overflows them: fuzz report).
    expect(parseSoapFault(doc)).toBeUndefined();
    expect(parseStatus(doc)).toBeUndefined();
  });

  it('the answer readers (fault, profiles, presets, status, SetPreset) throw nothing but XmlError on any text', () => {
    const soapish = fc.oneof(
      noisyText([...XMLISH, '<Fault>', '<Code><Value>', '</Value>', '<Profiles token="p">', '<PTZStatus>', '<Position>', '<PanTilt x="', '" y="', '<Preset token="', '<Name>', '</Name>'], 300),
      tree.map(serialise),
    );
    fc.assert(
      fc.property(soapish, (s) => {
        parseSoapFault(s);
        for (const read of [parseProfiles, parsePresets, parseStatus, parseSetPresetToken]) {
          try {
            read(s);
          } catch (err) {
            expect(err).toBeInstanceOf(XmlError);
          }
        }
      }),
      params(400),
    );
  });

  it('PTZ status values are clamped into the room model\'s ranges whatever the camera reports', () => {
    const num = fc.oneof(fc.double().map(String), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(num, num, num, (x, y, z) => {
        const xml = `<Envelope><Body><GetStatusResponse><PTZStatus><Position><PanTilt x="${escapeXml(x)}" y="${escapeXml(y)}"/><Zoom x="${escapeXml(z)}"/></Position></PTZStatus></GetStatusResponse></Body></Envelope>`;
        const s = parseStatus(xml)!;
        for (const v of [s.pan, s.tilt]) if (v !== null) expect(v >= -1 && v <= 1).toBe(true);
        if (s.zoom !== null) expect(s.zoom >= 0 && s.zoom <= 1).toBe(true);
      }),
      params(300),
    );
  });

  it('durations: parseDuration never throws and reads back formatTimeout', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 20 }), fc.double({ min: 0, max: 1e6, noNaN: true }), (t, seconds) => {
        const d = parseDuration(t);
        if (d !== undefined) expect(Number.isFinite(d)).toBe(true);
        expect(parseDuration(formatTimeout(seconds))).toBe(Math.max(1, Math.round(seconds)) * 1000);
      }),
      params(300),
    );
  });

  it('preset references and token maps never throw', () => {
    const presets = fc.array(fc.record({ token: fc.string({ maxLength: 8 }), name: fc.oneof(fc.string({ maxLength: 8 }), fc.nat({ max: 999 }).map(String)) }), { maxLength: 8 });
    const names = fc.dictionary(fc.oneof(fc.nat({ max: 99 }).map(String), fc.string({ maxLength: 6 })), fc.string({ maxLength: 8 }), { maxKeys: 5 });
    fc.assert(
      fc.property(presets, names, fc.oneof(fc.nat(), fc.string({ maxLength: 10 })), (list, n, ref) => {
        for (const [k, token] of presetTokenMap(list, n)) {
          expect(Number.isInteger(k)).toBe(true);
          expect(typeof token).toBe('string');
        }
        const r = resolvePresetRef(ref, n);
        expect(['number', 'string']).toContain(typeof r);
      }),
      params(300),
    );
  });
});

/**
 * A small, strict, pure XML reader for SOAP messages: enough for ONVIF envelopes, faults and
 * WS-Discovery matches, with namespace prefixes stripped to local names (ONVIF vendors disagree on
 * prefixes, never on local names). No I/O, no DTDs, no external entities.
 */

/** One element: local name, attributes by local name, child elements and concatenated text. */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

/** Thrown for anything that is not well-formed XML (the message says where). */
export class XmlError extends Error {
  constructor(message: string, readonly offset: number) {
    super(`${message} at offset ${offset}`);
    this.name = 'XmlError';
  }
}

const NAME = /[A-Za-z_:][-A-Za-z0-9_.:]*/y;
const ATTR = /\s+([A-Za-z_:][-A-Za-z0-9_.:]*)\s*=\s*("([^"<]*)"|'([^'<]*)')/y;

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon >= 0 ? qualified.slice(colon + 1) : qualified;
}

function decodeEntities(text: string, offset: number): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);|&/g, (whole, ref: string | undefined) => {
    if (!ref) throw new XmlError('bare "&"', offset);
    if (ref[0] === '#') {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      if (!Number.isFinite(code) || code > 0x10ffff) throw new XmlError(`bad character reference ${whole}`, offset);
      return String.fromCodePoint(code);
    }
    switch (ref) {
      case 'lt': return '<';
      case 'gt': return '>';
      case 'amp': return '&';
      case 'quot': return '"';
      case 'apos': return "'";
      default: throw new XmlError(`unknown entity ${whole}`, offset);
    }
  });
}

/** Parses a whole document and returns its root element; throws {@link XmlError} on malformed input. */
export function parseXml(source: string): XmlElement {
  let i = source.charCodeAt(0) === 0xfeff ? 1 : 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;

  const skipUntil = (end: string, what: string): void => {
    const at = source.indexOf(end, i);
    if (at < 0) throw new XmlError(`unterminated ${what}`, i);
    i = at + end.length;
  };

  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const textEnd = lt < 0 ? source.length : lt;
    if (textEnd > i) {
      const raw = source.slice(i, textEnd);
      const top = stack[stack.length - 1];
      if (top) top.text += decodeEntities(raw, i);
      else if (raw.trim() !== '') throw new XmlError('text outside the root element', i);
      i = textEnd;
      continue;
    }
    if (source.startsWith('<?', i)) { skipUntil('?>', 'processing instruction'); continue; }
    if (source.startsWith('<!--', i)) { skipUntil('-->', 'comment'); continue; }
    if (source.startsWith('<![CDATA[', i)) {
      const end = source.indexOf(']]>', i);
      if (end < 0 || stack.length === 0) throw new XmlError('bad CDATA section', i);
      stack[stack.length - 1]!.text += source.slice(i + 9, end);
      i = end + 3;
      continue;
    }
    if (source.startsWith('<!', i)) throw new XmlError('DTDs are not accepted', i);
    if (source.startsWith('</', i)) {
      NAME.lastIndex = i + 2;
      const m = NAME.exec(source);
      if (!m) throw new XmlError('bad closing tag', i);
      const open = stack.pop();
      if (!open || open.name !== localName(m[0])) throw new XmlError(`unexpected </${m[0]}>`, i);
      i = NAME.lastIndex;
      while (/\s/.test(source[i] ?? '')) i++;
      if (source[i] !== '>') throw new XmlError('bad closing tag', i);
      i++;
      continue;
    }
    // Opening tag.
    NAME.lastIndex = i + 1;
    const m = NAME.exec(source);
    if (!m) throw new XmlError('bad tag', i);
    if (root && stack.length === 0) throw new XmlError('a second root element', i);
    const element: XmlElement = { name: localName(m[0]), attrs: {}, children: [], text: '' };
    i = NAME.lastIndex;
    for (;;) {
      ATTR.lastIndex = i;
      const a = ATTR.exec(source);
      if (!a) break;
      const qualified = a[1]!;
      if (qualified !== 'xmlns' && !qualified.startsWith('xmlns:')) {
        element.attrs[localName(qualified)] = decodeEntities(a[3] ?? a[4] ?? '', i);
      }
      i = ATTR.lastIndex;
    }
    while (/\s/.test(source[i] ?? '')) i++;
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
    if (source.startsWith('/>', i)) { i += 2; continue; }
    if (source[i] !== '>') throw new XmlError(`bad tag <${m[0]}>`, i);
    i++;
    stack.push(element);
  }
  if (stack.length > 0) throw new XmlError(`unclosed <${stack[stack.length - 1]!.name}>`, source.length);
  if (!root) throw new XmlError('no root element', 0);
  return root;
}

/** The first direct child with this local name. */
export function child(el: XmlElement | undefined, name: string): XmlElement | undefined {
  return el?.children.find((c) => c.name === name);
}

/** Every direct child with this local name. */
export function childrenNamed(el: XmlElement | undefined, name: string): XmlElement[] {
  return el ? el.children.filter((c) => c.name === name) : [];
}

/** The first element with this local name, depth-first, including `el` itself. */
export function find(el: XmlElement | undefined, name: string): XmlElement | undefined {
  // Iterative, depth-first in document order: a hostile, deeply nested reply must not blow the stack.
  const stack: XmlElement[] = el ? [el] : [];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.name === name) return node;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return undefined;
}

/** Every element with this local name, depth-first (iterative, like {@link find}). */
export function findAll(el: XmlElement | undefined, name: string, out: XmlElement[] = []): XmlElement[] {
  const stack: XmlElement[] = el ? [el] : [];
  while (stack.length) {
    const node = stack.pop()!;
    if (node.name === name) out.push(node);
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return out;
}

/** Trimmed text of an element, or undefined. */
export function textOf(el: XmlElement | undefined): string | undefined {
  return el ? el.text.trim() : undefined;
}

/** Escapes text for element content and attribute values. */
export function escapeXml(value: string): string {
  return value.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

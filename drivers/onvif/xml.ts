import sax from 'sax';

/**
 * The driver's XML reader for SOAP messages: ONVIF envelopes, faults and WS-Discovery matches, with
 * namespace prefixes stripped to local names (ONVIF vendors disagree on prefixes, never on local
 * names). It builds a small tree on `sax` in strict mode — the parser the `onvif` client itself
 * reads replies with (through xml2js) — so there is one XML parser in the driver, and no
 * hand-written one. Why the driver reads the raw reply instead of the client's parsed result, and
 * what that costs: README.md, "One XML parser". No DTDs, only the five XML entities.
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

function localName(qualified: string): string {
  const colon = qualified.indexOf(':');
  return colon >= 0 ? qualified.slice(colon + 1) : qualified;
}

/** sax's words for a malformed document, in ours (its message carries line/column on more lines). */
function describeSaxError(message: string, stack: XmlElement[]): string {
  const first = message.split('\n')[0] ?? message;
  if (/^Unexpected close tag/.test(first)) return `unexpected closing tag (open: <${stack[stack.length - 1]?.name ?? 'none'}>)`;
  if (/^Unclosed root tag/.test(first)) return `unclosed <${stack[stack.length - 1]?.name ?? 'root'}>`;
  if (/^Invalid character entity/.test(first)) return 'unknown entity';
  if (/^Text data outside of root node|^Non-whitespace before first tag/.test(first)) return 'text outside the root element';
  return first;
}

/** Parses a whole document and returns its root element; throws {@link XmlError} on malformed input. */
export function parseXml(source: string): XmlElement {
  const parser = sax.parser(true, { strictEntities: true, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  // Thrown out of a handler, a failure stops the parser at once (no DTD is ever expanded).
  const fail = (message: string): never => {
    throw new XmlError(message, parser.position);
  };
  parser.onerror = (err) => fail(describeSaxError(err.message, stack));
  parser.ondoctype = () => fail('DTDs are not accepted');
  parser.onopentag = (tag) => {
    if (root && stack.length === 0) fail('a second root element');
    const attrs: Record<string, string> = {};
    for (const [qualified, value] of Object.entries(tag.attributes as Record<string, string>)) {
      if (qualified !== 'xmlns' && !qualified.startsWith('xmlns:')) attrs[localName(qualified)] = value;
    }
    const element: XmlElement = { name: localName(tag.name), attrs, children: [], text: '' };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else root = element;
    stack.push(element);
  };
  parser.onclosetag = () => void stack.pop();
  parser.ontext = (text) => {
    const top = stack[stack.length - 1];
    if (top) top.text += text;
    else if (text.trim() !== '') fail('text outside the root element');
  };
  parser.oncdata = (text) => {
    const top = stack[stack.length - 1];
    if (top) top.text += text;
  };
  try {
    parser.write(source.charCodeAt(0) === 0xfeff ? source.slice(1) : source).close();
  } catch (err) {
    if (err instanceof XmlError) throw err;
    throw new XmlError(describeSaxError((err as Error).message, stack), parser.position);
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

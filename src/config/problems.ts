import { isMap, isSeq, isPair, isScalar, type Document, type LineCounter, type Node } from 'yaml';

/** One thing wrong with a config file, located precisely enough to fix it without guessing. */
export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  /** Dotted key path, arrays as `[n]`: `devices.camera.options.address`, `scenes.meetingStart[2].command`. */
  path: string;
  message: string;
}

/** `FILE:LINE:COL path.to.key: message` — the format `roomd --check` prints. */
export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.col} ${p.path || '(root)'}: ${p.message}`;
}

export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map(formatProblem).join('\n'));
    this.name = 'ConfigError';
  }
}

export type PathSegment = string | number;

/** `/devices/camera/options/address` (JSON pointer, as TypeBox reports) -> segments. */
export function pointerToSegments(pointer: string): PathSegment[] {
  if (!pointer) return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

export function segmentsToPath(segments: PathSegment[]): string {
  let out = '';
  for (const s of segments) out += typeof s === 'number' ? `[${s}]` : out ? `.${s}` : s;
  return out;
}

/**
 * Finds where a path lives in the YAML source. For a key that exists, the position of the key
 * (that is where a reader looks); for a missing key, its parent. Falls back to the document start.
 */
export function locate(doc: Document, lineCounter: LineCounter, segments: PathSegment[]): { line: number; col: number } {
  let node: unknown = doc.contents;
  let offset = (doc.contents as Node | null)?.range?.[0] ?? 0;
  for (const segment of segments) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(segment));
      if (!pair) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment] as Node | undefined;
      if (!item) break;
      offset = item.range?.[0] ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, col: pos.col };
}

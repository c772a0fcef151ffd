import type { Document, LineCounter } from 'yaml';
import { locate, type ConfigProblem, type PathSegment } from './problems.ts';
import type { RoomdConfig } from './schema.ts';

/** Digits below which `http.panelPin` is accepted but reported: 10 000 PINs are few. */
export const RECOMMENDED_PIN_DIGITS = 6;

/**
 * Things that are valid but unwise, located like problems: `roomd --check` prints them and still
 * exits 0, and the daemon logs them at start.
 */
export function configWarnings(config: RoomdConfig, file: string, doc: Document, lines: LineCounter): ConfigProblem[] {
  const warnings: ConfigProblem[] = [];
  const warn = (segments: PathSegment[], message: string) => {
    const { line, col } = locate(doc, lines, segments);
    warnings.push({ file, line, col, path: segments.join('.'), message: `warning: ${message}` });
  };
  const pin = config.http?.panelPin;
  if (typeof pin === 'string' && pin.length < RECOMMENDED_PIN_DIGITS) {
    warn(['http', 'panelPin'], `a ${pin.length}-digit PIN is short: use at least ${RECOMMENDED_PIN_DIGITS} digits (wrong PINs lock a client out, but one client still gets a few tries a minute)`);
  }
  return warnings;
}

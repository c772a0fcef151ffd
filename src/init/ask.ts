import { createInterface } from 'node:readline';
import type { Locale } from './compose.ts';

/** How `roomd init` asks its questions: on a terminal or a pipe, or not at all (`--yes`). */
export interface Asker {
  /** A free-text answer; an empty line takes `fallback`. */
  text(question: string, fallback: string): Promise<string>;
  /** Yes or no (oui/non in French); an empty line takes `fallback`. */
  yesNo(question: string, fallback: boolean): Promise<boolean>;
  close(): void;
}

const YES = /^(o|oui|y|yes)$/i;
const NO = /^(n|non|no)$/i;

/**
 * Reads one answer per line from `input`. When the input ends (a script that answered only the
 * first questions), every later question takes its default, which is printed like an answer.
 */
export function lineAsker(input: NodeJS.ReadableStream, write: (text: string) => void, locale: Locale): Asker {
  const rl = createInterface({ input, terminal: false });
  const lines: string[] = [];
  const waiting: Array<(line: string | null) => void> = [];
  let ended = false;
  rl.on('line', (line) => (waiting.length ? waiting.shift()!(line) : lines.push(line)));
  rl.on('close', () => {
    ended = true;
    while (waiting.length) waiting.shift()!(null);
  });
  const next = (): Promise<string | null> => {
    if (lines.length) return Promise.resolve(lines.shift()!);
    if (ended) return Promise.resolve(null);
    return new Promise((resolve) => waiting.push(resolve));
  };
  const hint = (fallback: boolean) => (locale === 'fr' ? (fallback ? '[O/n]' : '[o/N]') : fallback ? '[Y/n]' : '[y/N]');
  return {
    async text(question, fallback) {
      write(`${question}${fallback ? ` [${fallback}]` : ''} : `);
      const line = await next();
      if (line === null) write(`${fallback}\n`);
      return line?.trim() || fallback;
    },
    async yesNo(question, fallback) {
      for (let tries = 0; tries < 3; tries++) {
        write(`${question} ${hint(fallback)} : `);
        const line = await next();
        if (line === null) {
          write(`${fallback ? (locale === 'fr' ? 'oui' : 'yes') : locale === 'fr' ? 'non' : 'no'}\n`);
          return fallback;
        }
        const answer = line.trim();
        if (!answer) return fallback;
        if (YES.test(answer)) return true;
        if (NO.test(answer)) return false;
        write(locale === 'fr' ? 'Répondez oui ou non.\n' : 'Answer yes or no.\n');
      }
      return fallback;
    },
    close: () => rl.close(),
  };
}

/** `--yes`: every question takes its default, and says so. */
export function defaultsAsker(write: (text: string) => void, locale: Locale): Asker {
  const yes = locale === 'fr' ? 'oui' : 'yes';
  const no = locale === 'fr' ? 'non' : 'no';
  return {
    async text(question, fallback) {
      write(`${question} : ${fallback}\n`);
      return fallback;
    },
    async yesNo(question, fallback) {
      write(`${question} : ${fallback ? yes : no}\n`);
      return fallback;
    },
    close() {},
  };
}

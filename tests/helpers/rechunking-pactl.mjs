/**
 * `pactl subscribe` as the REAL pactl prints it, re-cut on the way to the driver:
 * `node rechunking-pactl.mjs <chunking JSON> <pactl args...>` runs the real pactl with those
 * arguments and writes its stdout one byte per write (`"bytes"`), gathered into one write per
 * 50 ms (`"whole"`: several events in one read), or cut at the given offsets of each read (an
 * array). Plain JavaScript, so it starts as fast as pactl itself: the driver gives `pactl
 * subscribe` two seconds to show it is listening.
 */
import { spawn } from 'node:child_process';

const [chunkingJson, ...args] = process.argv.slice(2);
const chunking = JSON.parse(chunkingJson ?? '"whole"');
const child = spawn('pactl', args, { stdio: ['ignore', 'pipe', 'inherit'] });
let queue = Promise.resolve();
let gathered = '';
let timer;

/** The same cuts as scripted-peer.ts's chunksOf (offsets modulo length + 1). */
function cut(data) {
  if (chunking === 'whole' || data.length <= 1) return [data];
  if (chunking === 'bytes') return [...data];
  const at = [...new Set(chunking.map((c) => c % (data.length + 1)))].filter((c) => c > 0 && c < data.length).sort((a, b) => a - b);
  return [...at, data.length].map((c, i, all) => data.slice(i === 0 ? 0 : all[i - 1], c));
}

function write(text) {
  const chunks = cut(text);
  queue = queue.then(async () => {
    for (const c of chunks) {
      process.stdout.write(Buffer.from(c, 'latin1'));
      if (chunks.length > 1) await new Promise((r) => setImmediate(r));
    }
  });
}

child.stdout.on('data', (d) => {
  if (chunking !== 'whole') return write(d.toString('latin1'));
  gathered += d.toString('latin1');
  timer ??= setTimeout(() => {
    timer = undefined;
    const all = gathered;
    gathered = '';
    write(all);
  }, 50);
});
child.on('exit', (code, signal) => void queue.then(() => process.exit(signal ? 1 : (code ?? 0))));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => child.kill(s));

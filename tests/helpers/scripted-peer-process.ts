/**
 * The process form of scripted-peer.ts: `node --import tsx scripted-peer-process.ts <base64 JSON>`
 * reads requests on stdin and writes the script's replies on stdout, cut as asked. Ends with stdin
 * or a signal (SIGINT, as a driver stops cec-client, ends it like any Node process).
 */
import { ScriptEngine, type Chunking, type PeerScript } from './scripted-peer.ts';

const { script, chunking } = JSON.parse(Buffer.from(process.argv[2] ?? '', 'base64').toString('utf8')) as { script: PeerScript; chunking: Chunking };
const engine = new ScriptEngine(script, chunking, (b) => process.stdout.write(b));
process.stdin.on('data', (d: Buffer) => engine.push(d));
process.stdin.on('end', () => process.exit(0));
engine.start();

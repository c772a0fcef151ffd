import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { BaseTransport } from './transport.ts';
import type { ProcessTransportConfig } from './config.ts';

/** How a driver may start its process beyond the config: the environment, and its name in messages. */
export interface ProcessSpawnOptions {
  env?: NodeJS.ProcessEnv;
  /** Replaces `process:<command>` in the description and in the exit error. */
  description?: string;
}

/** A long-lived child process spoken to over stdin/stdout (cec-client, pactl subscribe). */
export class ProcessTransport extends BaseTransport {
  readonly description: string;
  private child: ChildProcessWithoutNullStreams | undefined;
  private stderrTail = '';

  constructor(
    private readonly config: ProcessTransportConfig,
    private readonly spawnOptions: ProcessSpawnOptions = {},
  ) {
    super();
    this.description = spawnOptions.description ?? `process:${config.command}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  open(): Promise<this> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.config.command, this.config.args ?? [], {
        stdio: ['pipe', 'pipe', 'pipe'],
        ...(this.spawnOptions.env ? { env: this.spawnOptions.env } : {}),
      });
      child.once('error', (err) => reject(new Error(`${this.description}: ${err.message}`)));
      child.once('spawn', () => {
        this.child = child;
        child.stdout.on('data', (chunk: Buffer) => this.emitData(chunk));
        child.stderr.on('data', (chunk: Buffer) => {
          this.stderrTail = (this.stderrTail + chunk.toString()).slice(-500);
        });
        child.stdin.on('error', () => {}); // EPIPE when the child dies; reported through 'exit'
        child.once('exit', (code, signal) => {
          const tail = this.stderrTail.trim() ? ` (${this.stderrTail.trim().split('\n').pop()})` : '';
          this.emitClose(new Error(`${this.description} exited with ${signal ?? `code ${code}`}${tail}`));
        });
        resolve(this);
      });
    });
  }

  write(data: Uint8Array | string): Promise<void> {
    const child = this.child;
    if (!child || !this.isOpen) return Promise.reject(new Error(`${this.description}: not running`));
    return new Promise((resolve, reject) => child.stdin.write(data, (err) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    this.closing = true;
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
    this.emitClose();
  }
}

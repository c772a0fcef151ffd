import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import ssh2 from 'ssh2';
import type { ClientChannel } from 'ssh2';
import { BaseTransport, type SshTransportConfig } from '../../src/sdk/index.ts';

/**
 * The xAPI over an SSH interactive shell (what jsxapi does), presented as a ByteTransport so the
 * driver treats SSH, Telnet-style TCP and RS-232 alike. The codec logs the session in itself; no
 * pty is requested because the xAPI needs none and a pty would add terminal echo.
 */
export class SshShellTransport extends BaseTransport {
  readonly description: string;
  private client: ssh2.Client | undefined;
  private channel: ClientChannel | undefined;

  constructor(
    private readonly config: SshTransportConfig,
    /** SHA-256 of the host key, base64 (as `ssh-keygen -lf` prints after `SHA256:`); unset = accept any. */
    private readonly hostKeySha256?: string,
  ) {
    super();
    this.description = `ssh:${config.username}@${config.host}:${config.port ?? 22}`;
  }

  async open(timeoutMs = 8000): Promise<this> {
    const password = this.config.password ?? (this.config.passwordFile ? (await readFile(this.config.passwordFile, 'utf8')).trim() : undefined);
    const expected = this.hostKeySha256?.replace(/^SHA256:/, '').replace(/=+$/, '');
    return new Promise((resolve, reject) => {
      const client = new ssh2.Client();
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return this.emitClose(err);
        settled = true;
        client.end();
        reject(new Error(`${this.description}: ${err.message}`));
      };
      client.on('error', fail);
      client.on('close', () => (settled ? this.emitClose() : fail(new Error('connection closed during handshake'))));
      client.on('ready', () => {
        client.shell(false, (err, channel) => {
          if (err) return fail(err);
          settled = true;
          this.client = client;
          this.channel = channel;
          channel.on('data', (chunk: Buffer) => this.emitData(chunk));
          channel.stderr.on('data', (chunk: Buffer) => this.emitData(chunk));
          channel.on('close', () => {
            this.emitClose();
            client.end();
          });
          resolve(this);
        });
      });
      client.connect({
        host: this.config.host,
        port: this.config.port ?? 22,
        username: this.config.username,
        ...(password !== undefined ? { password } : {}),
        // Codecs also offer keyboard-interactive with a single password prompt.
        tryKeyboard: true,
        readyTimeout: timeoutMs,
        keepaliveInterval: 15_000,
        hostVerifier: (key: Buffer) =>
          expected === undefined || createHash('sha256').update(key).digest('base64').replace(/=+$/, '') === expected,
      });
      client.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish) => finish(prompts.map(() => password ?? '')));
    });
  }

  write(data: Uint8Array | string): Promise<void> {
    const channel = this.channel;
    if (!channel || !this.isOpen) return Promise.reject(new Error(`${this.description}: not connected`));
    return new Promise((resolve, reject) => channel.write(data, (err?: Error | null) => (err ? reject(err) : resolve())));
  }

  async close(): Promise<void> {
    this.closing = true;
    this.channel?.close();
    this.client?.end();
    this.emitClose();
  }
}

import { USAGE, parseCommandLine, type Globals, type Invocation } from './args.ts';
import { CliError, EXIT, RoomdClient, queryString, unreachable, errorFromResponse } from './client.ts';
import {
  formatCommandResult,
  formatDiscovered,
  type DiscoveredView,
  formatDevice,
  formatDevices,
  formatEvent,
  formatHealth,
  formatMeetingResult,
  formatReport,
  formatSessions,
  formatState,
  type DeviceView,
  type StepView,
} from './format.ts';
import { UsageError } from './values.ts';

/** Where roomctl writes, and what it reads from its environment (injectable for tests). */
export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
  /** Resolves when the user interrupts (Ctrl-C); `logs --follow` stops then. */
  interrupted?: Promise<void>;
}

/** Runs one roomctl invocation and returns its exit code. Never throws. */
export async function runRoomctl(argv: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseCommandLine(argv, io.env);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`roomctl: ${err.message}\n(roomctl --help for usage)\n`);
      return EXIT.usage;
    }
    throw err;
  }
  const { globals, invocation } = parsed;
  try {
    return await execute(invocation, globals, io);
  } catch (err) {
    if (err instanceof CliError) {
      io.stderr(`roomctl: ${err.message}\n`);
      return err.exitCode;
    }
    io.stderr(`roomctl: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.failed;
  }
}

async function execute(inv: Invocation, globals: Globals, io: CliIO): Promise<number> {
  const api = new RoomdClient(globals);
  const out = (human: string, json: unknown) => io.stdout(globals.json ? `${JSON.stringify(json, null, 2)}\n` : `${human}\n`);
  switch (inv.cmd) {
    case 'help':
      io.stdout(`${USAGE}\n`);
      return EXIT.ok;
    case 'state': {
      const state = await api.json<Parameters<typeof formatState>[0]>('GET', '/api/v1/state');
      out(formatState(state), state);
      return EXIT.ok;
    }
    case 'devices': {
      const devices = await api.json<DeviceView[]>('GET', '/api/v1/devices');
      out(formatDevices(devices), devices);
      return EXIT.ok;
    }
    case 'health': {
      const health = await api.json<Parameters<typeof formatHealth>[0]>('GET', '/api/v1/health');
      out(formatHealth(health), health);
      return health.status === 'ok' ? EXIT.ok : EXIT.failed;
    }
    case 'device': {
      const id = encodeURIComponent(inv.id);
      if (!inv.command) {
        const device = await api.json<DeviceView>('GET', `/api/v1/devices/${id}`);
        out(formatDevice(device), device);
        return EXIT.ok;
      }
      const result = await api.json<{ state?: Record<string, unknown> }>('POST', `/api/v1/devices/${id}/commands/${encodeURIComponent(inv.command)}`, inv.args);
      out(formatCommandResult(inv.id, inv.command, result), result);
      return EXIT.ok;
    }
    case 'meeting': {
      const result = await api.json<{ session?: { id: string }; steps: StepView[] }>('POST', `/api/v1/meeting/${inv.action}`, inv.body);
      out(formatMeetingResult(inv.action, result), result);
      // A failed step degrades the meeting but does not abort it; a script still wants to know.
      return result.steps.every((s) => s.status === 'ok') ? EXIT.ok : EXIT.failed;
    }
    case 'sessions': {
      if (inv.csv) {
        io.stdout(await api.text('GET', `/api/v1/sessions.csv${queryString(inv.query)}`));
        return EXIT.ok;
      }
      const sessions = await api.json<Parameters<typeof formatSessions>[0]>('GET', `/api/v1/sessions${queryString(inv.query)}`);
      out(formatSessions(sessions), sessions);
      return EXIT.ok;
    }
    case 'report': {
      const report = await api.json<Parameters<typeof formatReport>[0]>('GET', `/api/v1/report${queryString(inv.query)}`);
      out(formatReport(report), report);
      return EXIT.ok;
    }
    case 'logs':
      return followEvents(globals, io, inv.follow);
    case 'discover': {
      const result = await api.json<{ devices: DiscoveredView[]; errors: Array<{ driver: string; message: string }> }>('POST', '/api/v1/discover', inv.body);
      out(formatDiscovered(result), result);
      return EXIT.ok;
    }
  }
}

/**
 * `roomctl logs [--follow]` over the WebSocket /api/v1/events: the snapshot first, then (with
 * --follow) every event until Ctrl-C. A dropped connection while following is exit 3, so a
 * supervising script notices that roomd went away.
 */
async function followEvents(globals: Globals, io: CliIO, follow: boolean): Promise<number> {
  // Loaded here only: the other commands start faster without it.
  const { default: WebSocket } = await import('ws');
  const url = `${globals.url.replace(/^http/, 'ws')}/api/v1/events`;
  const ws = new WebSocket(url, {
    headers: globals.token ? { authorization: `Bearer ${globals.token}` } : {},
    handshakeTimeout: Math.min(globals.timeoutMs, 30_000),
  });
  return new Promise<number>((resolve) => {
    let done = false;
    let opened = false;
    const finish = (code: number, message?: string) => {
      if (done) return;
      done = true;
      if (message) io.stderr(`roomctl: ${message}\n`);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      resolve(code);
    };
    void io.interrupted?.then(() => finish(EXIT.ok));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => {
        const err = errorFromResponse(res.statusCode ?? 0, body);
        finish(err.exitCode, err.message);
      });
    });
    ws.on('error', (err) => {
      const e = opened ? new CliError(`connection to roomd lost: ${err.message}`, EXIT.unreachable) : unreachable(globals.url, Object.assign(new Error(err.message), { cause: err }), globals.timeoutMs);
      finish(e.exitCode, e.message);
    });
    ws.on('open', () => {
      opened = true;
    });
    ws.on('message', (data) => {
      let message: Record<string, any>;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (message.type === 'error') {
        const code = message.error?.code === 'Unauthorized' || message.error?.code === 'Forbidden' ? EXIT.auth : EXIT.failed;
        return finish(code, `${message.error?.message ?? 'refused'} (${message.error?.code ?? 'error'})`);
      }
      io.stdout(globals.json ? `${JSON.stringify(message)}\n` : `${formatEvent(message)}\n`);
      if (!follow && message.snapshot) finish(EXIT.ok);
    });
    ws.on('close', (code, reason) => {
      if (code === 4401 || code === 4403) return finish(EXIT.auth, reason.toString() || 'refused');
      finish(EXIT.unreachable, `roomd closed the event stream${reason.length ? `: ${reason.toString()}` : ''} (code ${code})`);
    });
  });
}

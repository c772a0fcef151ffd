import type { IPublishPacket } from 'mqtt';
import type { Role } from '../../config/schema.ts';
import { assertMatches, makeCommand, type CommandSource } from '../../core/command.ts';
import { RoomError, toRoomError } from '../../core/errors.ts';
import type { Logger } from '../../core/logger.ts';
import { allows } from '../auth.ts';
import type { ApiContext } from '../context.ts';
import { EndRequest, StartRequest } from '../../core/meeting-requests.ts';
import {
  meetingWord,
  microphonesWord,
  parseCapabilitySet,
  parseDeviceSet,
  parseJsonObject,
  parseMeetingBody,
  parseMicrophonesBody,
  payloadText,
  requestIdOf,
  type CommandRequest,
  type MeetingRequest,
  type MicrophonesRequest,
  type RequestId,
} from './payloads.ts';
import type { IncomingTopic } from './topics.ts';

/** What `B/result` carries for each command received. */
export interface MqttResult {
  id?: RequestId;
  ok: boolean;
  device?: string;
  command?: string;
  error?: { code: string; message: string };
  state?: unknown;
  session?: unknown;
  steps?: unknown;
  /** `meeting.microphones`: the room's microphones after the command, and each device's outcome (as REST). */
  microphones?: unknown;
  results?: unknown;
}

/** Where a result goes: `B/result`, and with MQTT 5 the request's response topic and correlation data. */
export type ReplyFn = (result: MqttResult, request: { responseTopic?: string; correlationData?: Buffer }) => void;

/**
 * Turns MQTT messages on `set` topics into commands on the room's command bus, with the same role
 * rules as REST. Never awaited by the MQTT client: a slow device never holds up the next message.
 * Every message gets exactly one result, and nothing it contains can throw out of here.
 */
export class CommandHandler {
  private readonly source: CommandSource;
  /** Topics whose retained commands were already logged: a retained message replays at every connect. */
  private readonly retainedLogged = new Set<string>();

  constructor(
    private readonly ctx: ApiContext,
    private readonly role: Role,
    private readonly reply: ReplyFn,
    private readonly log: Logger,
  ) {
    this.source = { surface: 'mqtt', identity: 'mqtt', role };
  }

  handle(incoming: IncomingTopic, payload: Buffer, packet: Pick<IPublishPacket, 'properties'> & { retain?: boolean }): void {
    const props = packet.properties;
    const route = {
      ...(typeof props?.responseTopic === 'string' ? { responseTopic: props.responseTopic } : {}),
      ...(props?.correlationData ? { correlationData: Buffer.from(props.correlationData) } : {}),
    };
    let id: RequestId | undefined;
    let device: string | undefined;
    let command: string | undefined;
    const fail = (err: unknown) => {
      const error = toRoomError(err);
      if (error.code === 'Internal') this.log.error({ err }, 'MQTT command failed unexpectedly');
      this.reply(
        { ...(id !== undefined ? { id } : {}), ok: false, ...(device ? { device } : {}), ...(command ? { command } : {}), error: { code: error.code, message: error.message } },
        route,
      );
    };
    // The topic alone names this command: say so even when the payload cannot be read.
    if (incoming.kind === 'microphones') command = 'meeting.microphones';
    if (incoming.kind === 'invalid') {
      if (incoming.device) device = incoming.device;
      fail(new RoomError('BadRequest', incoming.reason));
      return;
    }
    if (packet.retain) {
      // A retained command would run again at every (re)connect of roomd: a phantom meeting, replayed mutes.
      if (incoming.kind === 'device' || incoming.kind === 'capability') device = incoming.device;
      id = retainedId(payload);
      const where = describe(incoming);
      if (!this.retainedLogged.has(where)) {
        this.retainedLogged.add(where);
        this.log.warn({ topic: where }, 'retained MQTT message on a command topic ignored (clear it: publish an empty retained message there)');
      }
      fail(new RoomError('RetainedCommand', `retained messages on command topics are never executed (they would replay at every connect): publish ${where} without the retain flag, and clear the retained one with an empty retained message`));
      return;
    }
    try {
      const text = payloadText(payload);
      if (incoming.kind === 'meeting') {
        let request = meetingWord(text);
        if (!request) {
          const body = parseJsonObject(text, 'meeting/set');
          id = requestIdOf(body);
          request = parseMeetingBody(body);
        }
        command = `meeting.${request.action}`;
        this.runMeeting(request, id).then((result) => this.reply(result, route), fail);
        return;
      }
      if (incoming.kind === 'microphones') {
        let request = microphonesWord(text);
        if (!request) {
          const body = parseJsonObject(text, 'meeting/microphones/set');
          id = requestIdOf(body);
          request = parseMicrophonesBody(body);
        }
        this.runMicrophones(request, id).then((result) => this.reply(result, route), fail);
        return;
      }
      device = incoming.device;
      let request: CommandRequest;
      if (incoming.kind === 'device') {
        const body = parseJsonObject(text, `${incoming.device}/set`);
        id = requestIdOf(body);
        request = parseDeviceSet(body);
      } else {
        request = parseCapabilitySet(incoming.capability, text);
      }
      command = request.command;
      this.runCommand(incoming.device, request, id).then((result) => this.reply(result, route), fail);
    } catch (err) {
      fail(err);
    }
  }

  /** Whether this error was already logged by the handler (retained commands are logged once per topic). */
  static loggedOnce(code: string): boolean {
    return code === 'RetainedCommand';
  }

  private async runCommand(device: string, request: CommandRequest, id: RequestId | undefined): Promise<MqttResult> {
    // The role (mqtt.role) is checked by the command bus, which audits a refusal like any other outcome.
    const { state } = await this.ctx.room.execute(makeCommand(device, request.command, request.args, this.source));
    return { ...(id !== undefined ? { id } : {}), ok: true, device, command: request.command, state };
  }

  /** The room-wide mute: the REST route's permission (`panelCommand`), every micMute device at once. */
  private async runMicrophones(request: MicrophonesRequest, id: RequestId | undefined): Promise<MqttResult> {
    if (!allows(this.role, 'panelCommand')) throw new RoomError('Forbidden', `the ${this.role} role may not mute or unmute the room's microphones (set mqtt.role)`);
    // A device that failed or was offline is in `results` (as over REST): the command itself succeeded.
    const { microphones, results } = await this.ctx.meeting.setMicrophones(request.muted, this.source);
    return { ...(id !== undefined ? { id } : {}), ok: true, command: 'meeting.microphones', microphones, results };
  }

  private async runMeeting(request: MeetingRequest, id: RequestId | undefined): Promise<MqttResult> {
    if (!allows(this.role, 'meeting')) throw new RoomError('Forbidden', `the ${this.role} role may not start or end meetings`);
    const base = { ...(id !== undefined ? { id } : {}), ok: true, command: `meeting.${request.action}` };
    if (request.action === 'start') {
      assertMatches(StartRequest, request.body, 'body');
      const { session, steps } = await this.ctx.meeting.start(request.body as StartRequest, this.source);
      return { ...base, session, steps };
    }
    assertMatches(EndRequest, request.body, 'body');
    const { session, steps } = await this.ctx.meeting.end(request.body as EndRequest, this.source);
    return { ...base, ...(session ? { session } : {}), steps };
  }
}

/** The topic of a command, relative to B (for logs and messages). */
function describe(incoming: IncomingTopic): string {
  switch (incoming.kind) {
    case 'meeting':
      return 'meeting/set';
    case 'microphones':
      return 'meeting/microphones/set';
    case 'device':
      return `${incoming.device}/set`;
    case 'capability':
      return `${incoming.device}/${incoming.capability}/set`;
    case 'invalid':
      return incoming.reason;
  }
}

/** The `id` of a retained JSON command, so even its refusal can be matched; nothing else is read. */
function retainedId(payload: Buffer): RequestId | undefined {
  try {
    return requestIdOf(parseJsonObject(payloadText(payload), 'set'));
  } catch {
    return undefined;
  }
}

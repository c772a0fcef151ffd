import type { Room } from '../core/room.ts';
import type { MeetingController, MeetingState } from '../core/meeting.ts';
import type { DeviceRecord } from '../core/state-store.ts';

/** The full picture every surface shows: `GET /api/v1/state`, the WebSocket snapshot, MQTT on connect. */
export interface RoomSnapshot {
  room: { id: string; name: string; locale: string; helpLine?: string; organisations: string[] };
  devices: Record<string, DeviceRecord>;
  meeting: MeetingState;
}

export function snapshot(room: Room, meeting: MeetingController): RoomSnapshot {
  return {
    room: room.info,
    devices: Object.fromEntries(room.devices().map((d) => [d.id, d])),
    meeting: meeting.current,
  };
}

/**
 * Serialises the snapshot once per change rather than once per request: a panel and a home
 * automation poller hitting /api/v1/state thousands of times a second cost one JSON.stringify per change.
 */
export class SnapshotCache {
  private json = '';
  private version = -1;
  private meetingRef: MeetingState | undefined;

  constructor(
    private readonly room: Room,
    private readonly meeting: MeetingController,
  ) {}

  get(): string {
    const version = this.room.store.version;
    const meetingState = this.meeting.current;
    if (version !== this.version || meetingState !== this.meetingRef) {
      this.json = JSON.stringify(snapshot(this.room, this.meeting));
      this.version = version;
      this.meetingRef = meetingState;
    }
    return this.json;
  }
}

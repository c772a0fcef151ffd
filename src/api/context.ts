import type { Room } from '../core/room.ts';
import type { MeetingController } from '../core/meeting.ts';
import type { Logger } from '../core/logger.ts';
import type { RoomdConfig } from '../config/schema.ts';
import type { Authenticator } from './auth.ts';
import type { SessionStore } from '../sessions/store.ts';
import type { CalendarService } from '../calendar/service.ts';
import type { SelfTestService } from '../selftest/service.ts';

/** What each API surface is handed explicitly by the composition root (no service locator). */
export interface ApiContext {
  room: Room;
  meeting: MeetingController;
  sessions?: SessionStore;
  /** Replaced as a whole on config reload. */
  config: RoomdConfig;
  auth: Authenticator;
  log: Logger;
  /** Extra health inputs (MQTT broker, session store) registered by their owners. */
  health: HealthRegistry;
  /** The room's bookings, when `calendar` is configured. */
  calendar?: CalendarService;
  /** The room's self-test. */
  selftest?: SelfTestService;
  /** Re-reads and applies the config file (set by the daemon once it is running). */
  reload?: () => Promise<import('../reload.ts').ReloadResult>;
}

export type HealthCheck = () => { ok: boolean; detail?: string };

export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }
  run(): Record<string, { ok: boolean; detail?: string }> {
    return Object.fromEntries([...this.checks].map(([name, check]) => [name, check()]));
  }
}

import { makeCommand } from '../core/command.ts';
import type { Logger } from '../core/logger.ts';
import type { Room } from '../core/room.ts';
import type { SelfTestResult, SelfTestService } from './service.ts';

/**
 * Before a booking: switch on every online device that has power (a display takes tens of seconds
 * to wake, a codec minutes to boot), then run the self-test, so what is wrong is known — and
 * shown with the help line — before people walk in. A device that refuses is left to the self-test
 * to report.
 */
export async function warmUpAndTest(room: Room, selftest: SelfTestService, log: Logger): Promise<SelfTestResult> {
  const powered = room.devices().filter((d) => d.online && d.capabilities.includes('power') && d.state.power !== 'on');
  await Promise.all(
    powered.map((d) =>
      room
        .execute(makeCommand(d.id, 'powerOn', {}, { surface: 'system', identity: 'booking-warm-up' }))
        .catch((err: Error) => log.warn({ device: d.id, err: err.message }, 'warm-up: powerOn failed')),
    ),
  );
  return selftest.run('booking');
}

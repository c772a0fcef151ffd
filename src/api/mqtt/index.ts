import type { ApiContext } from '../context.ts';

/** A running MQTT bridge (CONTRACT §5). Placeholder until the bridge lands. */
export interface MqttService {
  stop(): Promise<void>;
}

/** Starts the MQTT bridge (and the embedded broker when configured). */
export async function startMqtt(ctx: ApiContext): Promise<MqttService> {
  ctx.log.warn('MQTT is configured but the bridge is not built yet');
  return { stop: async () => {} };
}

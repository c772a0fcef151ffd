import type { ApiContext } from '../context.ts';
import { MqttBridge, type BridgeOptions } from './bridge.ts';
import { brokerSettings, describeUrl } from './connect-options.ts';
import type { EmbeddedBroker } from './embedded-broker.ts';

export { MqttBridge, type BridgeOptions } from './bridge.ts';
export { Topics } from './topics.ts';

/** A running MQTT surface (docs/mqtt.md): the bridge, and the embedded broker when configured. */
export interface MqttService {
  /** The bridge, or undefined when the section could not be used (logged). */
  bridge?: MqttBridge;
  /** The embedded broker, when `mqtt.embedded` is set. */
  broker?: EmbeddedBroker;
  stop(): Promise<void>;
}

/**
 * Starts the MQTT bridge (and the embedded broker when configured). Returns once the bridge is
 * connecting, not connected: the broker being away never holds up start-up or the REST API.
 */
export async function startMqtt(ctx: ApiContext, options: BridgeOptions = {}): Promise<MqttService> {
  const config = ctx.config.mqtt;
  const log = ctx.log.child({ module: 'mqtt' });
  if (!config) return { stop: async () => {} };
  let broker: EmbeddedBroker | undefined;
  let url = config.url;
  if (config.embedded) {
    if (config.url) log.warn({ url: describeUrl(config.url) }, 'mqtt.embedded is set: mqtt.url is ignored, the bridge connects to the embedded broker');
    // aedes is loaded only by a room that embeds its broker.
    const { startEmbeddedBroker } = await import('./embedded-broker.ts');
    broker = await startEmbeddedBroker(
      {
        host: config.embedded.host,
        port: config.embedded.port,
        ...(config.username !== undefined ? { username: config.username } : {}),
        ...(config.password !== undefined ? { password: config.password } : {}),
      },
      log,
    );
    url = broker.url;
  }
  if (!url) {
    log.error('mqtt needs either url or embedded; MQTT is off');
    return { stop: async () => {} };
  }
  try {
    // aedes speaks MQTT 3.1.1 only: no point asking it for 5.
    const settings = brokerSettings(config, ctx.room.info.id, url, broker ? 4 : undefined);
    const bridge = new MqttBridge(ctx, config, settings, options);
    bridge.start();
    return {
      bridge,
      ...(broker ? { broker } : {}),
      async stop() {
        await bridge.stop();
        await broker?.close();
      },
    };
  } catch (err) {
    await broker?.close();
    throw err;
  }
}

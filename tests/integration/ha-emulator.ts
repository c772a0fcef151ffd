import nunjucks from 'nunjucks';
import { TestClient } from './mqtt-test-client.ts';

/**
 * What Home Assistant's MQTT integration does with roomd's discovery, reduced to the parts a test
 * can check: it keeps every retained config under `<prefix>/+/<node>/+/config`, the last payload of
 * every state topic, renders templates (nunjucks standing in for HA's Jinja, with the one Jinja
 * filter nunjucks lacks, `tojson`), interprets the result per component as HA does, and publishes
 * on `command_topic` exactly what a service call would (payload_on/off, payload_press, an option, a
 * number), through `command_template` when there is one.
 */

export interface HaEntity {
  topic: string;
  component: 'switch' | 'number' | 'button' | 'sensor' | 'select';
  /** `<device>_<key>` or the room's `<key>` (the object id in the topic). */
  objectId: string;
  config: Record<string, unknown>;
}

const env = new nunjucks.Environment(null, { autoescape: false, throwOnUndefined: false });
env.addFilter('tojson', (value: unknown) => JSON.stringify(value));

/** Renders one template with HA's variables: `value` (the payload) and `value_json` (it parsed). */
export function renderTemplate(template: string, payload: string, extra: Record<string, unknown> = {}): string {
  let valueJson: unknown;
  try {
    valueJson = JSON.parse(payload);
  } catch {
    valueJson = undefined;
  }
  return env.renderString(template, { value: payload, value_json: valueJson, ...extra }).trim();
}

export class HomeAssistantEmulator {
  private constructor(
    readonly client: TestClient,
    private readonly prefix: string,
  ) {}

  static async connect(url: string, prefix: string, node: string, stateTopics: string): Promise<HomeAssistantEmulator> {
    const client = await TestClient.connect(url, [`${prefix}/+/${node}/+/config`, stateTopics]);
    return new HomeAssistantEmulator(client, prefix);
  }

  /** The configs HA holds now: the last message of each discovery topic, empty ones removed. */
  entities(): HaEntity[] {
    const last = new Map<string, string>();
    for (const m of this.client.messages) if (m.topic.startsWith(`${this.prefix}/`) && m.topic.endsWith('/config')) last.set(m.topic, m.text);
    return [...last]
      .filter(([, text]) => text !== '')
      .map(([topic, text]) => {
        const [, component, , objectId] = topic.split('/');
        return { topic, component: component as HaEntity['component'], objectId: objectId!, config: JSON.parse(text) as Record<string, unknown> };
      })
      .sort((a, b) => a.topic.localeCompare(b.topic));
  }

  entity(component: HaEntity['component'], objectId: string): HaEntity {
    const found = this.entities().find((e) => e.component === component && e.objectId === objectId);
    if (!found) throw new Error(`HA has no ${component} ${objectId}; it has ${this.entities().map((e) => `${e.component} ${e.objectId}`).join(', ')}`);
    return found;
  }

  /** The last payload on a topic (state topics are retained: a fresh subscriber has them). */
  lastPayload(topic: string): string | undefined {
    return this.client.messages.filter((m) => m.topic === topic).at(-1)?.text;
  }

  /** What HA shows: the value template rendered against the entity's state topic, interpreted per component. */
  state(entity: HaEntity): string | undefined {
    const c = entity.config;
    if (typeof c.state_topic !== 'string') return undefined;
    const payload = this.lastPayload(c.state_topic);
    if (payload === undefined) return undefined;
    const rendered = typeof c.value_template === 'string' ? renderTemplate(c.value_template, payload) : payload;
    switch (entity.component) {
      case 'switch': {
        const on = (c.state_on ?? c.payload_on ?? 'ON') as string;
        const off = (c.state_off ?? c.payload_off ?? 'OFF') as string;
        if (rendered === on) return 'on';
        if (rendered === off) return 'off';
        if (rendered === 'None') return 'unknown';
        throw new Error(`${entity.objectId}: HA would ignore the switch state '${rendered}' (neither ${on} nor ${off})`);
      }
      case 'select':
        if (rendered === 'None') return 'unknown';
        if (!(c.options as string[]).includes(rendered)) throw new Error(`${entity.objectId}: '${rendered}' is not one of the select's options`);
        return rendered;
      case 'number':
      case 'sensor':
        if (rendered === 'None' || rendered === '') return 'unknown';
        if (entity.component === 'number' || c.state_class !== undefined) {
          if (!Number.isFinite(Number(rendered))) throw new Error(`${entity.objectId}: numeric state '${rendered}' is not a number`);
        }
        if (c.device_class === 'enum' && !(c.options as string[]).includes(rendered)) throw new Error(`${entity.objectId}: '${rendered}' is not one of the enum's options`);
        return rendered;
      default:
        return rendered;
    }
  }

  /** The attributes HA would set from `json_attributes_topic`/`json_attributes_template`. */
  attributes(entity: HaEntity): unknown {
    const c = entity.config;
    if (typeof c.json_attributes_topic !== 'string') return undefined;
    const payload = this.lastPayload(c.json_attributes_topic) ?? '';
    return JSON.parse(typeof c.json_attributes_template === 'string' ? renderTemplate(c.json_attributes_template, payload) : payload);
  }

  /**
   * A service call: `turn_on`/`turn_off` (switch), `press` (button), `select_option` (select),
   * `set_value` (number; an integral value is sent without decimals, as HA does). Returns the payload sent.
   */
  async command(entity: HaEntity, action: 'on' | 'off' | 'press' | string | number): Promise<string> {
    const c = entity.config;
    let value: string;
    if (entity.component === 'switch') value = (action === 'on' ? c.payload_on ?? 'ON' : c.payload_off ?? 'OFF') as string;
    else if (entity.component === 'button') value = (c.payload_press ?? 'PRESS') as string;
    else value = String(action);
    const payload = typeof c.command_template === 'string' ? renderTemplate(c.command_template, '', { value }) : value;
    await this.client.publish(c.command_topic as string, payload, { qos: 0, retain: false });
    return payload;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

import { stringify } from 'yaml';
import type { Candidate, DeviceRole } from './probes.ts';

/**
 * Pure: what the technician chose in `roomd init` → the text of a roomd.yaml. Scenes are derived
 * from what each chosen device is for, with commands every driver of that role supports.
 */

export type Locale = 'fr' | 'en';

export interface ChosenDevice {
  id: string;
  name: string;
  candidate: Candidate;
}

export interface InitChoices {
  room: { id: string; name: string; locale: Locale; helpLine?: string };
  http: { host: string; port: number };
  /** Token files for the panel and the technician (already written). */
  tokenFiles: { panel: string; technician: string };
  database: string;
  devices: ChosenDevice[];
  /** Cameras found that need credentials nobody gave: written as comments to complete by hand. */
  pending: ChosenDevice[];
  scenes: boolean;
}

const NAMES: Record<Locale, Record<DeviceRole, string>> = {
  fr: { camera: 'Caméra', display: 'Écran', codec: 'Visio', mics: 'Micros' },
  en: { camera: 'Camera', display: 'Display', codec: 'Codec', mics: 'Microphones' },
};

/** The name staff see on the panel for a device of this role. */
export function defaultDeviceName(role: DeviceRole, locale: Locale): string {
  return NAMES[locale][role];
}

/** Ids by role: the first camera is `camera`, the next `camera-2`, and so on. */
export function assignIds(candidates: Candidate[]): string[] {
  const seen = new Map<DeviceRole, number>();
  return candidates.map((c) => {
    const n = (seen.get(c.role) ?? 0) + 1;
    seen.set(c.role, n);
    return n === 1 ? c.role : `${c.role}-${n}`;
  });
}

/** "Maison du Tourisme — Saint-Pons" → "maison-du-tourisme-saint-pons" (the MQTT-safe room id). */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  // Long names are cut at a word boundary, not in the middle of a word.
  const short = slug.length <= 40 ? slug : slug.slice(0, 41).replace(/-[^-]*$/, '');
  return short || 'salle';
}

type Step = { device: string; command: string; args?: Record<string, unknown>; waitFor?: Record<string, unknown> };

function sceneSteps(devices: ChosenDevice[]): { meetingStart: Step[]; meetingEnd: Step[] } {
  const start: Step[] = [];
  const end: Step[] = [];
  const hasCodec = devices.some((d) => d.candidate.role === 'codec');
  for (const { id, candidate } of devices) {
    switch (candidate.role) {
      case 'display': {
        start.push({ device: id, command: 'powerOn' });
        const inputs = Object.keys(((candidate.device.options ?? {}) as { inputs?: Record<string, string> }).inputs ?? {});
        const input = hasCodec && inputs.includes('codec') ? 'codec' : inputs[0];
        if (input) start.push({ device: id, command: 'selectInput', args: { input }, waitFor: { power: 'on' } });
        end.push({ device: id, command: 'powerOff' });
        break;
      }
      case 'camera':
        // Preset 1 is the room view on VISCA cameras; ONVIF presets are tokens the camera chose.
        start.push(candidate.driver === 'visca' ? { device: id, command: 'recallPreset', args: { preset: 1 } } : { device: id, command: 'home' });
        end.push({ device: id, command: 'home' });
        break;
      case 'mics':
        start.push({ device: id, command: 'unmuteMicrophones' });
        end.unshift({ device: id, command: 'muteMicrophones' });
        break;
      case 'codec':
        break; // calls are dialled from the panel; the meeting's end hangs up by itself
    }
  }
  return { meetingStart: start, meetingEnd: end };
}

const HEADER: Record<Locale, string> = {
  fr: 'Configuration écrite par « roomd init ». Vérifiez-la avec : roomd --config FILE --check',
  en: 'Configuration written by "roomd init". Check it with: roomd --config FILE --check',
};

const PENDING: Record<Locale, string> = {
  fr: 'Caméras trouvées sans identifiants : complétez user/mot de passe, décommentez, puis vérifiez.',
  en: 'Cameras found without credentials: fill in the user and password, uncomment, then check.',
};

/** The whole configuration file. */
export function composeConfig(choices: InitChoices, file: string): string {
  const config: Record<string, unknown> = {
    room: { id: choices.room.id, name: choices.room.name, locale: choices.room.locale, ...(choices.room.helpLine ? { helpLine: choices.room.helpLine } : {}) },
    http: {
      host: choices.http.host,
      port: choices.http.port,
      tokens: [
        { name: 'panel', role: 'panel', tokenFile: choices.tokenFiles.panel },
        { name: 'tech', role: 'technician', tokenFile: choices.tokenFiles.technician },
      ],
    },
    sessions: { database: choices.database },
    devices: Object.fromEntries(choices.devices.map((d) => [d.id, { name: d.name, ...d.candidate.device }])),
  };
  if (choices.scenes && choices.devices.length) config.scenes = sceneSteps(choices.devices);
  const header = `# ${HEADER[choices.room.locale].replace('FILE', file)}\n`;
  let text = header + stringify(config, { lineWidth: 0, flowCollectionPadding: true });
  if (choices.pending.length) {
    const pending = stringify(Object.fromEntries(choices.pending.map((d) => [d.id, { name: d.name, ...d.candidate.device }])), { lineWidth: 0 });
    text += `\n# ${PENDING[choices.room.locale]}\n# devices:\n${pending.trimEnd().split('\n').map((l) => `#   ${l}`).join('\n')}\n`;
  }
  return text;
}

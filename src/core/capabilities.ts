import { Type, TypeCompiler, type Static, type TSchema, type TypeCheck } from './typebox.ts';

/**
 * The room's capability model (docs/capabilities.md). Each capability owns one schema for the state it
 * contributes and one per command for its arguments: the same TypeBox schema validates input,
 * gives the TypeScript type, and documents the REST API (OpenAPI) and Home Assistant discovery.
 */

/** How much a device tells us back: `full` (reads real state), `optimistic` (assumes commands worked), `none`. */
export type FeedbackLevel = 'full' | 'optimistic' | 'none';

const NoArgs = Type.Object({}, { additionalProperties: false });
const Speed = Type.Number({ minimum: -1, maximum: 1 });
/** Preset number, or a preset name from the device's `options.presets`. */
const PresetRef = Type.Union([Type.Integer({ minimum: 0, maximum: 255 }), Type.String({ minLength: 1, maxLength: 64 })]);

export const PowerState = Type.Union([
  Type.Literal('on'),
  Type.Literal('off'),
  Type.Literal('warming'),
  Type.Literal('cooling'),
  Type.Literal('unknown'),
]);
export type PowerState = Static<typeof PowerState>;

export const CallStatus = Type.Union([
  Type.Literal('idle'),
  Type.Literal('dialing'),
  Type.Literal('ringing'),
  Type.Literal('incoming'),
  Type.Literal('connected'),
  Type.Literal('disconnecting'),
]);
export type CallStatus = Static<typeof CallStatus>;

export const CallState = Type.Object({
  status: CallStatus,
  remote: Type.Optional(Type.String()),
  since: Type.Optional(Type.String({ description: 'ISO-8601 time of the last status change' })),
});
export type CallState = Static<typeof CallState>;

export const CAPABILITIES = {
  power: {
    description: 'Power on/off, with the warming and cooling transitions displays report',
    state: { power: PowerState },
    commands: { powerOn: NoArgs, powerOff: NoArgs },
  },
  input: {
    description: 'Select a named input',
    state: {
      input: Type.Union([Type.String(), Type.Null()]),
      inputs: Type.Array(Type.String(), { description: "the input names the device is configured with (options.inputs), what selectInput accepts" }),
    },
    commands: {
      selectInput: Type.Object({ input: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false }),
    },
  },
  volume: {
    description: 'Audio volume 0-100 and mute',
    state: { volume: Type.Union([Type.Integer({ minimum: 0, maximum: 100 }), Type.Null()]), muted: Type.Union([Type.Boolean(), Type.Null()]) },
    commands: {
      setVolume: Type.Object({ level: Type.Integer({ minimum: 0, maximum: 100 }) }, { additionalProperties: false }),
      volumeUp: NoArgs,
      volumeDown: NoArgs,
      mute: NoArgs,
      unmute: NoArgs,
    },
  },
  ptz: {
    description: 'Pan, tilt, zoom, presets',
    state: {
      pan: Type.Union([Type.Number({ minimum: -1, maximum: 1 }), Type.Null()]),
      tilt: Type.Union([Type.Number({ minimum: -1, maximum: 1 }), Type.Null()]),
      zoom: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()]),
      preset: Type.Union([Type.Integer(), Type.Null()]),
      presets: Type.Record(Type.String(), Type.String(), { description: 'preset number -> name, from options.presets' }),
    },
    commands: {
      move: Type.Object(
        { pan: Type.Optional(Speed), tilt: Type.Optional(Speed), zoom: Type.Optional(Speed) },
        { additionalProperties: false, description: 'Continuous move at the given speeds; all zero (or absent) stops' },
      ),
      stop: NoArgs,
      goto: Type.Object(
        {
          pan: Type.Number({ minimum: -1, maximum: 1 }),
          tilt: Type.Number({ minimum: -1, maximum: 1 }),
          zoom: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
        },
        { additionalProperties: false },
      ),
      recallPreset: Type.Object({ preset: PresetRef }, { additionalProperties: false }),
      storePreset: Type.Object({ preset: PresetRef }, { additionalProperties: false }),
      home: NoArgs,
    },
  },
  call: {
    description: 'Place and follow calls',
    state: { call: CallState },
    commands: {
      dial: Type.Object({ number: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false }),
      hangup: NoArgs,
      answer: NoArgs,
      reject: NoArgs,
      dtmf: Type.Object({ digits: Type.String({ pattern: '^[0-9*#A-Da-d]{1,32}$' }) }, { additionalProperties: false }),
    },
  },
  micMute: {
    description: 'Microphone mute',
    state: { micMuted: Type.Union([Type.Boolean(), Type.Null()]) },
    commands: { muteMicrophones: NoArgs, unmuteMicrophones: NoArgs },
  },
  raw: {
    description: 'Send raw protocol data (technician role only)',
    state: {},
    commands: {
      send: Type.Object(
        { data: Type.String({ minLength: 1, maxLength: 4096, description: 'text, or hex bytes like "81 09 04 00 FF"' }) },
        { additionalProperties: false },
      ),
    },
  },
} as const satisfies Record<string, { description: string; state: Record<string, TSchema>; commands: Record<string, TSchema> }>;

export type CapabilityName = keyof typeof CAPABILITIES;
export const CAPABILITY_NAMES = Object.keys(CAPABILITIES) as CapabilityName[];

type Caps = typeof CAPABILITIES;
type CommandsOf<C extends CapabilityName> = Caps[C]['commands'];
/** Every command name across all capabilities. */
export type CommandName = { [C in CapabilityName]: keyof CommandsOf<C> }[CapabilityName] & string;
/** The argument type of a command, derived from its schema. */
export type CommandArgs<N extends CommandName> = {
  [C in CapabilityName]: N extends keyof CommandsOf<C> ? Static<CommandsOf<C>[N] & TSchema> : never;
}[CapabilityName];

/** Reverse index: command name -> its capability and argument schema. */
export const COMMANDS: ReadonlyMap<string, { capability: CapabilityName; args: TSchema }> = new Map(
  CAPABILITY_NAMES.flatMap((capability) =>
    Object.entries(CAPABILITIES[capability].commands).map(([name, args]) => [name, { capability, args: args as TSchema }] as const),
  ),
);

/**
 * Which of its capabilities' commands a driver implements, per capability (a driver manifest's
 * `commands`). A capability left out implements all of its commands. The argument ranges are the
 * capability's schemas: a declaration only narrows which commands exist. A CEC display declares
 * `{ volume: ['volumeUp', 'volumeDown', 'mute', 'unmute'] }`: it has no absolute volume.
 */
export type CommandDeclaration = { [C in CapabilityName]?: ReadonlyArray<keyof CommandsOf<C> & string> };

/** Every command a device with these capabilities and this declaration accepts, in capability order. */
export function supportedCommands(capabilities: readonly CapabilityName[], declared: CommandDeclaration = {}): string[] {
  return capabilities.flatMap((capability) => {
    const all = Object.keys(CAPABILITIES[capability].commands);
    const subset = declared[capability] as readonly string[] | undefined;
    return subset ? all.filter((name) => subset.includes(name)) : all;
  });
}

/** What is wrong with a manifest's `commands` declaration (empty when it is sound). */
export function commandDeclarationProblems(capabilities: readonly string[], declared: unknown): string[] {
  if (declared === undefined) return [];
  if (!declared || typeof declared !== 'object' || Array.isArray(declared)) return ['manifest.commands must be an object: capability -> list of command names'];
  const problems: string[] = [];
  for (const [capability, names] of Object.entries(declared)) {
    if (!capabilities.includes(capability) || !Object.hasOwn(CAPABILITIES, capability)) {
      problems.push(`manifest.commands.${capability}: not one of the manifest's capabilities (${capabilities.join(', ')})`);
      continue;
    }
    const known = Object.keys(CAPABILITIES[capability as CapabilityName].commands);
    if (!Array.isArray(names) || names.length === 0) {
      problems.push(`manifest.commands.${capability}: expected a non-empty list of ${known.join(', ')}`);
      continue;
    }
    for (const name of names) {
      if (!known.includes(name as string)) problems.push(`manifest.commands.${capability}: '${String(name)}' is not a ${capability} command (known: ${known.join(', ')})`);
    }
  }
  return problems;
}

/** Commands that only the technician role may send. */
export const TECHNICIAN_ONLY_CAPABILITIES: ReadonlySet<CapabilityName> = new Set(['raw']);

/** The union of every capability's state fields, each optional: a device's `state` object. */
export type DeviceState = {
  power?: PowerState;
  input?: string | null;
  inputs?: string[];
  volume?: number | null;
  muted?: boolean | null;
  pan?: number | null;
  tilt?: number | null;
  zoom?: number | null;
  preset?: number | null;
  presets?: Record<string, string>;
  call?: CallState;
  micMuted?: boolean | null;
  /** Drivers may add fields of their own (e.g. `calls`, `level`); they are passed through. */
  [extra: string]: unknown;
};

/** Initial state for a set of capabilities: every field known to exist, value not yet known. */
export function initialState(capabilities: readonly CapabilityName[]): DeviceState {
  const state: DeviceState = {};
  for (const cap of capabilities) {
    switch (cap) {
      case 'power': state.power = 'unknown'; break;
      case 'input': state.input = null; break;
      case 'volume': state.volume = null; state.muted = null; break;
      case 'ptz': Object.assign(state, { pan: null, tilt: null, zoom: null, preset: null, presets: {} }); break;
      case 'call': state.call = { status: 'idle' }; break;
      case 'micMute': state.micMuted = null; break;
      case 'raw': break;
    }
  }
  return state;
}

const stateCheckers = new Map<string, TypeCheck<TSchema>>();
for (const cap of CAPABILITY_NAMES) {
  for (const [key, schema] of Object.entries(CAPABILITIES[cap].state)) stateCheckers.set(key, TypeCompiler.Compile(schema as TSchema));
}

/**
 * Checks a state patch a driver reported against the capability state schemas: returns the patch
 * without the fields that do not fit, and a precise message for each (`volume: 140 is not …`).
 * Fields no capability defines (a driver's own extras) pass through.
 */
export function checkStatePatch(patch: DeviceState): { valid: DeviceState; problems: string[] } {
  const valid: DeviceState = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const check = stateCheckers.get(key);
    if (check && !check.Check(value)) {
      const first = [...check.Errors(value)][0];
      problems.push(`${key}${first?.path ? first.path.replaceAll('/', '.') : ''}: ${JSON.stringify(value)?.slice(0, 80)} — ${first?.message ?? 'invalid'}`);
      continue;
    }
    valid[key] = value;
  }
  return { valid, problems };
}

/** JSON schema of a full device state object, for OpenAPI. */
export function deviceStateSchema(): TSchema {
  const props: Record<string, TSchema> = {};
  for (const cap of CAPABILITY_NAMES) Object.assign(props, CAPABILITIES[cap].state);
  return Type.Partial(Type.Object(props, { additionalProperties: true }));
}

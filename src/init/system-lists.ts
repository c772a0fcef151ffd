/**
 * Pure parsers for what `roomd init` reads from system tools: `cec-client -l` (the USB-CEC adapters
 * libCEC finds) and `pactl list short sources|sinks` (PulseAudio's audio devices).
 */

/** One adapter from `cec-client -l`. */
export interface CecAdapter {
  /** The adapter's port, e.g. /dev/ttyACM0 (what cec-client takes as its last argument). */
  comPort: string;
  /** libCEC's name for it, e.g. "Pulse-Eight USB-CEC Adapter". */
  type?: string;
  vendorId?: string;
  productId?: string;
  firmware?: string;
}

/**
 * Parses `cec-client -l`. libCEC prints `Found devices: N` (or `NONE`) then, per adapter, a block
 * of `key:   value` lines starting with `device:`; keys vary by libCEC version, so unknown ones are
 * ignored and only `com port` is required.
 */
export function parseCecAdapterList(text: string): CecAdapter[] {
  const adapters: CecAdapter[] = [];
  let current: Partial<CecAdapter> | undefined;
  const flush = () => {
    if (current?.comPort) adapters.push(current as CecAdapter);
    current = undefined;
  };
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([a-z][a-z ]*[a-z]):\s*(.*?)\s*$/i.exec(line);
    if (!match) continue;
    const key = match[1].toLowerCase();
    const value = match[2];
    if (key === 'device') {
      flush();
      current = {};
    } else if (current) {
      if (key === 'com port') current.comPort = value;
      else if (key === 'type') current.type = value;
      else if (key === 'vendor id') current.vendorId = value;
      else if (key === 'product id') current.productId = value;
      else if (key === 'firmware version') current.firmware = value;
    }
  }
  flush();
  return adapters;
}

/** One line of `pactl list short sources` or `pactl list short sinks`. */
export interface PulseDevice {
  name: string;
  driver: string;
  state: string;
}

/**
 * Parses `pactl list short sources|sinks`: tab-separated `index name module sample-spec state`.
 * Monitor sources (`<sink>.monitor`, the sound going *out*) are not microphones and are left out.
 */
export function parsePactlShortList(text: string): PulseDevice[] {
  const devices: PulseDevice[] = [];
  for (const line of text.split(/\r?\n/)) {
    const fields = line.split('\t');
    if (fields.length < 2 || !/^\d+$/.test(fields[0]) || !fields[1]) continue;
    if (fields[1].endsWith('.monitor')) continue;
    devices.push({ name: fields[1], driver: fields[2] ?? '', state: fields[4] ?? '' });
  }
  return devices;
}

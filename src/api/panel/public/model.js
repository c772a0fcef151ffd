/**
 * The panel's pure logic: what a device is called, how a scene is going, what to tell a visitor
 * when something failed. No DOM here, so it can be reasoned about (and tested) on its own.
 */

/** What a device is to a visitor, from its capabilities (a codec also has power, so order matters). */
export function deviceKind(device) {
  const caps = device?.capabilities ?? [];
  if (caps.includes('call')) return 'codec';
  if (caps.includes('ptz')) return 'camera';
  if (caps.includes('micMute')) return 'mics';
  if (caps.includes('power') || caps.includes('input')) return 'display';
  if (caps.includes('volume')) return 'audio';
  return 'other';
}

/**
 * A friendly name for every device: "Écran", "Caméra"... When two devices share a kind, the
 * configured `name` tells them apart (else a number), and such a device is "named".
 * Returns id -> { kind, label, named }.
 */
export function deviceLabels(devices, t) {
  const list = Object.values(devices ?? {});
  const byKind = new Map();
  for (const d of list) {
    const kind = deviceKind(d);
    byKind.set(kind, [...(byKind.get(kind) ?? []), d]);
  }
  const labels = {};
  for (const [kind, group] of byKind) {
    const base = t(`kind.${kind}`);
    const unnamed = group.filter((d) => !d.name);
    group.forEach((d) => {
      if (group.length === 1 && kind !== 'other') labels[d.id] = { kind, label: base, named: false };
      else if (d.name) labels[d.id] = { kind, label: d.name, named: true };
      else if (unnamed.length === 1 && kind !== 'other') labels[d.id] = { kind, label: base, named: false };
      else labels[d.id] = { kind, label: kind === 'other' ? d.id : `${base} ${unnamed.indexOf(d) + 1}`, named: true };
    });
  }
  return labels;
}

const RANK = { failed: 5, skipped: 4, running: 3, pending: 2, ok: 1 };

/**
 * Scene steps grouped by device, in the order devices first appear: one row per device with the
 * worst status among its steps ("running" while any step runs, "ok" only when all are ok).
 */
export function progressRows(steps) {
  const rows = new Map();
  for (const step of steps ?? []) {
    const row = rows.get(step.device) ?? { device: step.device, statuses: [], error: undefined, ms: 0 };
    row.statuses.push(step.status);
    if (!row.error && step.error) row.error = step.error;
    row.ms += step.ms ?? 0;
    rows.set(step.device, row);
  }
  return [...rows.values()].map((row) => {
    let status = 'ok';
    if (row.statuses.some((s) => s === 'failed')) status = 'failed';
    else if (row.statuses.some((s) => s === 'skipped')) status = 'skipped';
    else if (row.statuses.some((s) => s === 'running')) status = 'running';
    else if (row.statuses.some((s) => s === 'pending')) status = row.statuses.some((s) => s === 'ok') ? 'running' : 'pending';
    return { device: row.device, status, error: row.error, ms: row.ms };
  });
}

/** True while a row is settled badly. */
export function isFailure(status) {
  return status === 'failed' || status === 'skipped';
}

/** Worst-first ordering helper for summaries. */
export function statusRank(status) {
  return RANK[status] ?? 0;
}

/** Did the device stay silent (offline, timeout), or did it answer with an error? */
function silent(error) {
  return !error || error.code === 'DeviceOffline' || error.code === 'DeviceTimeout' || error.code === 'UnknownDevice';
}

/**
 * One sentence per failed device, in words a visitor understands, with the help line:
 * "L’écran ne répond pas — appelez le 04 67 00 00 00".
 */
export function explainFailures(steps, devices, helpLine, t) {
  const labels = deviceLabels(devices, t);
  return progressRows(steps)
    .filter((row) => isFailure(row.status))
    .map((row) => {
      const info = labels[row.device] ?? { kind: 'other', label: row.device, named: true };
      const mode = silent(row.error) ? 'silent' : 'error';
      const what = info.named ? t(`fail.${mode}.named`, { name: info.label }) : t(`fail.${mode}.${info.kind}`);
      // A phone number must not break across lines: "04 67 00 / 00 00" is misdialled.
      const phone = helpLine?.replace(/ /g, '\u00a0');
      return { device: row.device, text: phone ? t('fail.help', { what, helpLine: phone }) : t('fail.noHelp', { what }) };
    });
}

/** The first device with a capability, preferring one that is online. */
export function pickDevice(devices, capability) {
  const list = Object.values(devices ?? {}).filter((d) => d.capabilities?.includes(capability));
  return list.find((d) => d.online) ?? list[0];
}

/** Where the room's sound is turned up and down: the codec if it has volume, else the display. */
export function pickVolumeDevice(devices) {
  const list = Object.values(devices ?? {}).filter((d) => d.capabilities?.includes('volume'));
  const rank = (d) => (d.online ? 0 : 10) + (d.capabilities.includes('call') ? 0 : 1);
  return list.sort((a, b) => rank(a) - rank(b))[0];
}

/**
 * The microphones as one control: every device with `micMute`. `muted` is true when all online
 * ones are muted, false when none is, 'mixed' when they disagree, null when unknown or all offline.
 * `open` lists the online devices that are not muted (what a "not every mic is muted" warning names).
 *
 * The core's own reading (`meeting.microphones`, the same one MQTT and the REST API show) wins when
 * the daemon sends it; the devices' `micMuted` states are the fallback for an older daemon.
 */
export function micSummary(devices, microphones) {
  const all = Object.values(devices ?? {}).filter((d) => d.capabilities?.includes('micMute'));
  const online = all.filter((d) => d.online);
  if (microphones && typeof microphones === 'object' && microphones.devices) {
    const states = microphones.devices;
    const open = online.filter((d) => states[d.id] === false).map((d) => d.id);
    let muted = microphones.muted;
    if (muted === null || muted === undefined) muted = (microphones.disagree ?? []).length ? 'mixed' : null;
    return { devices: all, online, muted, open };
  }
  const values = online.map((d) => d.state?.micMuted);
  let muted = null;
  if (online.length && values.every((v) => v === true)) muted = true;
  else if (online.length && values.every((v) => v === false)) muted = false;
  else if (values.some((v) => v === true)) muted = 'mixed';
  return { devices: all, online, muted, open: online.filter((d) => d.state?.micMuted === false).map((d) => d.id) };
}

/**
 * The room's cameras (devices with `ptz`) for the chooser, in the daemon's order: a device's
 * configured `name`, else "Caméra 1", "Caméra 2"… by position (stable when another is renamed).
 */
export function cameraChoices(devices, t) {
  return Object.values(devices ?? {})
    .filter((d) => d.capabilities?.includes('ptz'))
    .map((d, i) => ({ id: d.id, label: d.name || t('camera.numbered', { n: i + 1 }), online: !!d.online }));
}

/**
 * The camera the presets and joystick act on: the one chosen on the panel while it exists (even
 * offline: switching cameras behind someone's back would move the wrong one), else the first
 * online one, else the first.
 */
export function pickCamera(devices, chosenId) {
  const list = Object.values(devices ?? {}).filter((d) => d.capabilities?.includes('ptz'));
  return list.find((d) => d.id === chosenId) ?? list.find((d) => d.online) ?? list[0];
}

/** "4:05" or "1:02:09" from milliseconds. */
export function formatDuration(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** The directory entry for a number, if the call's remote is one of ours. */
export function directoryName(directory, number) {
  if (!number) return undefined;
  return (directory ?? []).find((e) => e.number === number)?.name;
}

/**
 * What to call the other end of a call, never a raw SIP address: its directory name, else the
 * user part of the address as a name ("sip:jean.dupont@example.org" → "jean.dupont"), a phone
 * number with its digits grouped, else undefined (the caller says "your correspondent").
 */
export function remoteName(directory, remote) {
  const known = directoryName(directory, remote);
  if (known) return known;
  if (typeof remote !== 'string' || !remote.trim()) return undefined;
  const user = remote.trim().replace(/^<|>$/g, '').replace(/^(sips?|tel|h323):/i, '').split(/[@;]/)[0] ?? '';
  const digits = user.replace(/[\s.-]/g, '');
  if (/^\+\d{6,}$/.test(digits)) return digits;
  if (/^\d{6,}$/.test(digits)) return digits.replace(/\B(?=(\d{2})+$)/g, '\u00a0'); // 04 67 00 00 00
  return user || undefined;
}

const INPUT_KINDS = {
  computer: ['pc', 'computer', 'laptop', 'ordinateur', 'portable'],
  codec: ['codec', 'visio', 'vc', 'video', 'visioconference'],
  camera: ['camera', 'document', 'documents'],
};

/** A configured input's name in words: "pc" → "Ordinateur", "hdmi2" → "HDMI 2"; other names as configured. */
export function inputLabel(name, t) {
  const key = String(name).toLowerCase();
  for (const [kind, names] of Object.entries(INPUT_KINDS)) if (names.includes(key)) return t(`input.${kind}`);
  const port = /^(hdmi|displayport|dvi|vga|usbc|usb-c)\s*-?(\d+)$/.exec(key);
  if (port) return t('input.port', { port: port[1] === 'displayport' ? 'DisplayPort' : port[1].toUpperCase(), n: port[2] });
  return String(name);
}

/**
 * The source chooser: the display that shows the picture (first device with `input` that has
 * configured inputs, preferring one online) and its inputs in words. `inputs` is the panel
 * config's `{ deviceId: [names] }`. Returns undefined when no display has configured inputs.
 */
export function sourceChoices(devices, inputs, t) {
  const list = Object.values(devices ?? {}).filter((d) => d.capabilities?.includes('input') && (inputs?.[d.id] ?? []).length > 0);
  const device = list.find((d) => d.online) ?? list[0];
  if (!device) return undefined;
  return { device, choices: inputs[device.id].map((name) => ({ name, label: inputLabel(name, t) })), current: device.state?.input ?? undefined };
}

/**
 * What does not work, for the rest of the meeting: every device offline now, and every device
 * whose start step failed with an error (it answered, but said no). Ids in the daemon's order.
 */
export function notWorking(devices, steps) {
  const failedWithError = new Set(progressRows(steps).filter((r) => isFailure(r.status) && !silent(r.error)).map((r) => r.device));
  return Object.values(devices ?? {}).filter((d) => !d.online || failedWithError.has(d.id)).map((d) => d.id);
}

/** The next volume for a step of `stepPercent` from `level`, kept within 0..100. */
export function steppedVolume(level, direction, stepPercent = 5) {
  const next = Math.round((level + direction * stepPercent) / stepPercent) * stepPercent;
  return Math.max(0, Math.min(100, next));
}

/** `avoidedTravel` for the end request from per-site counts (sites with nobody are left out). */
export function travelFromCounts(counts) {
  return Object.entries(counts ?? {})
    .filter(([, people]) => people > 0)
    .map(([site, people]) => ({ site, people }));
}

/** Exponential backoff with jitter for reconnects: 0.5 s, 1 s, 2 s… capped. */
export function backoffDelay(attempt, { baseMs = 500, maxMs = 4000, random = Math.random } = {}) {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(exp * (0.75 + random() * 0.25));
}

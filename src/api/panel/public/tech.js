import { backoffDelay } from './model.js';
import { $, h, setText } from './dom.js';

/**
 * The technician page: PIN login (the server checks it and sets an HttpOnly cookie), the device
 * list with online / lastError, a raw command box, and a live tail of events.
 */

/** Commands per capability (as src/core/capabilities.ts declares them), for the command box's suggestions. */
const COMMANDS = {
  power: ['powerOn', 'powerOff'],
  input: ['selectInput'],
  volume: ['setVolume', 'volumeUp', 'volumeDown', 'mute', 'unmute'],
  ptz: ['move', 'stop', 'goto', 'recallPreset', 'storePreset', 'home'],
  call: ['dial', 'hangup', 'answer', 'reject', 'dtmf'],
  micMute: ['muteMicrophones', 'unmuteMicrophones'],
  raw: ['send'],
};
const LOG_MAX = 200;

let devices = {};
let socket;
let attempt = 0;
let retryTimer;

async function call(method, path, body) {
  const response = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body !== undefined ? { 'content-type': 'application/json' } : {},
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const data = await response.json().catch(() => ({}));
  if (response.status === 401) showLogin();
  return { status: response.status, ok: response.ok, data };
}

function showLogin(message) {
  clearTimeout(retryTimer);
  $('login').hidden = false;
  $('tools').hidden = true;
  $('logout').hidden = true;
  socket?.close();
  if (message) setText($('login-error'), message);
  $('pin').focus();
}

async function showTools() {
  $('login').hidden = true;
  $('tools').hidden = false;
  const result = await call('GET', '/api/v1/panel/tech/devices');
  if (!result.ok) return;
  devices = Object.fromEntries(result.data.map((d) => [d.id, d]));
  renderDevices();
  connect();
}

function renderDevices() {
  const list = Object.values(devices).sort((a, b) => a.id.localeCompare(b.id));
  $('devices').replaceChildren(...list.map((d) => h('tr', {},
    h('th', { scope: 'row' }, d.id, d.name ? h('div', { class: 'muted-text' }, d.name) : null),
    h('td', {}, d.driver),
    h('td', { class: d.online ? 'ok' : 'bad' }, d.online ? 'online' : 'offline'),
    h('td', { class: d.lastError ? 'bad' : '' }, d.lastError ? `${d.lastError.code}: ${d.lastError.message} (${d.lastError.at})` : '—'),
    h('td', {}, h('details', {}, h('summary', {}, h('code', {}, shortState(d.state))), h('pre', {}, JSON.stringify(d.state, null, 2)))))));
  const select = $('cmd-device');
  const chosen = select.value;
  select.replaceChildren(...list.map((d) => h('option', { value: d.id, selected: d.id === chosen }, d.id)));
  suggestCommands();
}

/** The state in one line: lists and nested objects are counted, not spelled out. */
function shortState(state) {
  return Object.entries(state ?? {})
    .map(([k, v]) => `${k}=${Array.isArray(v) ? `[${v.length}]` : v && typeof v === 'object' ? (v.status ?? '{…}') : v}`)
    .join(' ');
}

function suggestCommands() {
  const device = devices[$('cmd-device').value];
  const names = (device?.capabilities ?? []).flatMap((c) => COMMANDS[c] ?? []);
  $('cmd-names').replaceChildren(...names.map((n) => h('option', { value: n })));
}

function log(entry) {
  const bad = entry.ok === false || (entry.type === 'device' && entry.device?.online === false);
  const time = (entry.at ?? new Date().toISOString()).slice(11, 23);
  let text;
  if (entry.type === 'command') text = `${entry.ok ? 'ok ' : 'ERR'} ${entry.device}.${entry.command} ${JSON.stringify(entry.args ?? {})} via ${entry.surface}${entry.identity ? `/${entry.identity}` : ''} ${entry.latencyMs} ms${entry.error ? ` — ${entry.error.code}: ${entry.error.message}` : ''}`;
  else if (entry.type === 'device') text = `${entry.device.id} ${entry.changed.join(',')} (${entry.reason})${entry.device.lastError && entry.changed.includes('lastError') ? ` — ${entry.device.lastError.code}: ${entry.device.lastError.message}` : ''}`;
  else if (entry.type === 'meeting') text = `meeting ${entry.phase}`;
  else text = JSON.stringify(entry);
  const list = $('log');
  list.prepend(h('li', { class: bad ? 'bad' : '' }, `${time} ${text}`));
  while (list.children.length > LOG_MAX) list.lastElementChild.remove();
}

function connect() {
  clearTimeout(retryTimer);
  if ($('tools').hidden) return;
  if (socket && socket.readyState <= WebSocket.OPEN) return;
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/panel/tech/events`);
  socket = ws;
  let opened = false;
  ws.addEventListener('open', () => {
    opened = true;
    attempt = 0;
    setText($('log-state'), '');
  });
  ws.addEventListener('message', (event) => {
    const message = JSON.parse(event.data);
    if (message.type === 'devices') {
      devices = Object.fromEntries(message.devices.map((d) => [d.id, d]));
      renderDevices();
      return;
    }
    if (message.type === 'device') {
      devices[message.device.id] = message.device;
      renderDevices();
    }
    log(message);
  });
  ws.addEventListener('close', () => {
    if (socket !== ws) return;
    socket = undefined;
    setText($('log-state'), '— connexion perdue / connection lost');
    if (!$('tools').hidden) retryTimer = setTimeout(connect, backoffDelay(attempt++));
    // A refused upgrade (session expired) is a bare close: ask the server what the session is.
    if (!opened) {
      void call('GET', '/api/v1/panel/tech/session').then((session) => {
        if (!session.data?.authenticated && session.data?.pinRequired) showLogin();
      });
    }
  });
}

async function init() {
  $('login').addEventListener('submit', async (event) => {
    event.preventDefault();
    const result = await call('POST', '/api/v1/panel/tech/login', { pin: $('pin').value });
    $('pin').value = '';
    if (!result.ok) return setText($('login-error'), result.data?.error?.message ?? `HTTP ${result.status}`);
    setText($('login-error'), '');
    $('logout').hidden = false;
    void showTools();
  });
  $('logout').addEventListener('click', async () => {
    await call('POST', '/api/v1/panel/tech/logout');
    showLogin();
  });
  $('cmd-device').addEventListener('change', suggestCommands);
  $('command').addEventListener('submit', async (event) => {
    event.preventDefault();
    let args;
    try {
      args = JSON.parse($('cmd-args').value.trim() || '{}');
    } catch (err) {
      return setText($('cmd-result'), `arguments: JSON invalide / invalid JSON: ${err.message}`);
    }
    const device = encodeURIComponent($('cmd-device').value);
    const name = encodeURIComponent($('cmd-name').value.trim());
    setText($('cmd-result'), '…');
    const result = await call('POST', `/api/v1/panel/tech/devices/${device}/commands/${name}`, args);
    setText($('cmd-result'), `HTTP ${result.status}\n${JSON.stringify(result.data, null, 2)}`);
  });

  const session = await call('GET', '/api/v1/panel/tech/session');
  if (session.data.authenticated) {
    $('logout').hidden = !session.data.pinRequired;
    return showTools();
  }
  if (session.data.pinRequired) return showLogin();
  setText($('status'), 'Accès refusé / Access denied');
}

void init();

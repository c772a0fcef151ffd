/**
 * What each role may do (the same on every surface). Lives in the core because the command bus
 * enforces it: a refusal there is audited like any other outcome, whichever surface the command
 * came through.
 */
export type Role = 'panel' | 'technician' | 'readonly';

/** Routes and commands are grouped by what they do; a role allows a set of groups. */
export type Permission = 'read' | 'meeting' | 'panelCommand' | 'anyCommand' | 'admin';

const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  readonly: new Set(['read']),
  panel: new Set(['read', 'meeting', 'panelCommand']),
  technician: new Set(['read', 'meeting', 'panelCommand', 'anyCommand', 'admin']),
};

/** Commands the panel role may send: volume, mic mute, camera presets and move, call handling. */
const PANEL_COMMANDS = new Set([
  'setVolume', 'volumeUp', 'volumeDown', 'mute', 'unmute',
  'muteMicrophones', 'unmuteMicrophones',
  'move', 'stop', 'recallPreset', 'home',
  'dial', 'hangup', 'answer', 'reject', 'dtmf',
]);

/** The permission a device command needs. */
export function commandPermission(command: string): Permission {
  return PANEL_COMMANDS.has(command) ? 'panelCommand' : 'anyCommand';
}

export function allows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].has(permission);
}

/** Everything a driver needs, from one import: `import { ... } from '../../src/sdk/index.ts'`. */
export * from '../core/driver-api.ts';
export * from '../core/errors.ts';
export * from '../core/capabilities.ts';
export * from '../core/call-record.ts';
export type { Command, ValidatedCommand, CommandSource } from '../core/command.ts';
export type { QueuePolicy } from '../core/command-queue.ts';
export type { Logger } from '../core/logger.ts';
export { silentLogger } from '../core/logger.ts';
export * from '../transports/index.ts';
export { Type, type Static, type TObject } from '../core/typebox.ts';
export * from './call-tracker.ts';
export * from './call-status.ts';
export * from './device-link.ts';

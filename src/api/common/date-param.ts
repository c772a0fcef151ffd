import { Type } from '../../core/typebox.ts';

/** A date in a query (`from`, `to`): a month, a day or a time; read by sessions/time.ts `toMs`. */
export const DateParam = Type.String({ pattern: '^\\d{4}-\\d{2}(-\\d{2}(T[0-9:.]+(Z|[+-]\\d{2}:?\\d{2})?)?)?$', description: 'ISO date, e.g. 2026-11 or 2026-11-27' });

/** The session log: SQLite store, km/CO₂ reports and CSV export (docs/session-log.md). */
export { SessionStore, MAX_LIST_LIMIT, type SessionStoreOptions } from './store.ts';
export { SessionDatabaseError, type SessionDbProblem } from './open-db.ts';
export { buildReport, countedMinutes, type Report, type ReportInput, type ReportTotals } from './report.ts';
export { csvCell, toCsv, sessionsToCsv, sessionCsvCells, SESSION_CSV_COLUMNS, type CsvOptions, type CsvValue } from './csv.ts';
export { computeTravel, co2ForKm, totalKm, DEFAULT_CO2_KG_PER_KM, DEFAULT_CARPOOL_SEATS } from './travel.ts';
export { SCHEMA_VERSION, migrations, type Migration } from './schema.ts';
export { serialiseArgs } from './audit-log.ts';
export type * from './types.ts';

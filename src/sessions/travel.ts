import { assertMatches } from '../core/command.ts';
import { RoomError } from '../core/errors.ts';
import { AvoidedTravel } from '../core/meeting-requests.ts';
import type { SiteConfig, TravelInput, TravelRecord } from './types.ts';

/**
 * Kilometres and CO₂ a meeting in the room avoided. Pure.
 *
 * Assumptions (also in src/sessions/README.md):
 * - A site's `roundTripKm` is the distance from the participants' home base (the room's town) to the
 *   site and back: one meeting avoided = one round trip per car.
 * - By default we count people, not cars: each person would have driven alone, so
 *   `km = roundTripKm × people`. Rural staff mostly travel alone to meetings, and it is what the room's
 *   owners counted when they reported their first figures.
 * - `carpool: true` means they would have shared cars, `ceil(people / carpoolSeats)` of them (4 seats
 *   by default); `carpool: <n>` gives the number of cars directly. Then `km = roundTripKm × cars`.
 * - CO₂ = km × co2KgPerKm. The default 0.244 kg/km is what the room's own figures imply
 *   (630 kg / 2 584 km ≈ 0.2438) and sits close to ADEME's figure for an average French car.
 */

/** kg CO₂ per km used when the config gives none. */
export const DEFAULT_CO2_KG_PER_KM = 0.244;

/** Seats per car when `carpool: true` does not say how many cars. */
export const DEFAULT_CARPOOL_SEATS = 4;

export interface TravelOptions {
  carpoolSeats?: number;
}

/** Rounds to 3 decimals (grams, metres): sums of floats stay readable and stable in JSON and CSV. */
export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** CO₂ in kg for a distance, rounded to the gram. */
export function co2ForKm(km: number, co2KgPerKm: number = DEFAULT_CO2_KG_PER_KM): number {
  return round3(km * co2KgPerKm);
}

/**
 * Validates travel entries and computes their kilometres. The shape is checked against the one
 * schema every surface uses ({@link AvoidedTravel}); what only the session log knows (the sites,
 * cars at most people) is checked here. Throws `RoomError('BadArgs')` naming the offending entry;
 * an unknown site lists the known ones (the REST layer answers 400).
 */
export function computeTravel(
  input: readonly TravelInput[] | undefined | null,
  sites: Readonly<Record<string, SiteConfig>>,
  options: TravelOptions = {},
): TravelRecord[] {
  if (input === undefined || input === null) return [];
  assertMatches(AvoidedTravel, input, 'avoidedTravel');
  const seats = options.carpoolSeats ?? DEFAULT_CARPOOL_SEATS;
  return input.map((entry, i) => computeEntry(entry, i, sites, seats));
}

function computeEntry(
  { site, people, carpool }: TravelInput,
  i: number,
  sites: Readonly<Record<string, SiteConfig>>,
  seats: number,
): TravelRecord {
  const config = Object.hasOwn(sites, site) ? sites[site] : undefined;
  if (!config) throw unknownSite(site, sites);
  let cars = people;
  if (carpool === true) cars = Math.ceil(people / seats);
  else if (typeof carpool === 'number') {
    if (carpool > people) {
      throw new RoomError('BadArgs', `avoidedTravel.${i}.carpool must be true, false or a number of cars from 1 to people (${people}), got ${carpool}`);
    }
    cars = carpool;
  }
  const entry: TravelRecord = { site, name: config.name, people, cars, km: round3(config.roundTripKm * cars) };
  if (carpool !== undefined) entry.carpool = carpool;
  return entry;
}

function unknownSite(site: string, sites: Readonly<Record<string, SiteConfig>>): RoomError {
  const known = Object.keys(sites);
  const hint = known.length ? `known sites: ${known.join(', ')}` : 'no sites are configured (sessions.sites)';
  return new RoomError('BadArgs', `unknown site "${site}": ${hint}`, { site, knownSites: known });
}

/** Total kilometres of computed entries. */
export function totalKm(entries: readonly TravelRecord[]): number {
  return round3(entries.reduce((sum, e) => sum + e.km, 0));
}

import { describe, expect, it } from 'vitest';
import { isRoomError } from '../../src/core/errors.ts';
import { co2ForKm, computeTravel, totalKm } from '../../src/sessions/travel.ts';

const sites = {
  montpellier: { name: 'Montpellier', roundTripKm: 220 },
  beziers: { name: 'Béziers', roundTripKm: 104 },
};

describe('sessions travel: km per entry', () => {
  it.each([
    { input: { site: 'montpellier', people: 4 }, cars: 4, km: 880, why: 'people count by default: each would have driven' },
    { input: { site: 'montpellier', people: 1 }, cars: 1, km: 220, why: 'one person' },
    { input: { site: 'beziers', people: 5, carpool: false }, cars: 5, km: 520, why: 'carpool false = alone' },
    { input: { site: 'beziers', people: 5, carpool: true }, cars: 2, km: 208, why: 'carpool true = ceil(5 / 4 seats)' },
    { input: { site: 'beziers', people: 4, carpool: true }, cars: 1, km: 104, why: 'a full car' },
    { input: { site: 'montpellier', people: 6, carpool: 3 }, cars: 3, km: 660, why: 'explicit number of cars' },
  ])('$why', ({ input, cars, km }) => {
    const [entry] = computeTravel([input], sites);
    expect(entry).toMatchObject({ site: input.site, people: input.people, cars, km, name: sites[input.site as keyof typeof sites].name });
  });

  it('honours carpoolSeats', () => {
    expect(computeTravel([{ site: 'beziers', people: 5, carpool: true }], sites, { carpoolSeats: 5 })[0].cars).toBe(1);
  });

  it('sums entries and converts to CO₂ at 0.244 kg/km by default', () => {
    const entries = computeTravel([{ site: 'montpellier', people: 4 }, { site: 'beziers', people: 3 }], sites);
    expect(totalKm(entries)).toBe(1192);
    expect(co2ForKm(2584)).toBeCloseTo(630.496, 6);
    expect(co2ForKm(100, 0.2)).toBe(20);
    expect(computeTravel(undefined, sites)).toEqual([]);
  });

  it('rejects an unknown site with a BadArgs error naming the known sites', () => {
    try {
      computeTravel([{ site: 'nimes', people: 2 }], sites);
      expect.unreachable();
    } catch (err) {
      expect(isRoomError(err, 'BadArgs')).toBe(true);
      expect((err as Error).message).toBe('unknown site "nimes": known sites: montpellier, beziers');
    }
    expect(() => computeTravel([{ site: 'x', people: 1 }], {})).toThrow(/no sites are configured \(sessions\.sites\)/);
    // Not fooled by Object.prototype keys.
    expect(() => computeTravel([{ site: 'constructor', people: 1 }], sites)).toThrow(/unknown site "constructor"/);
  });

  // The shape is the one schema every surface validates with (src/core/meeting-requests.ts); the
  // error names the entry and the field.
  it.each([
    [{ site: 'beziers', people: 0 }, /^avoidedTravel\.0\.people: Expected integer to be greater or equal to 1$/],
    [{ site: 'beziers', people: 2.5 }, /^avoidedTravel\.0\.people: Expected integer$/],
    [{ site: 'beziers', people: 4000 }, /^avoidedTravel\.0\.people: Expected integer to be less or equal to 500$/],
    [{ site: 'beziers', people: '3' }, /^avoidedTravel\.0\.people: Expected integer$/],
    [{ site: 'beziers', people: 3, carpool: 4 }, /^avoidedTravel\.0\.carpool must be .* from 1 to people \(3\), got 4$/],
    [{ site: 'beziers', people: 3, carpool: 'yes' }, /^avoidedTravel\.0\.carpool: /],
    [{ site: 'beziers', people: 3, cars: 2 }, /^avoidedTravel\.0\.cars: Unexpected property$/],
    [{ people: 3 }, /^avoidedTravel\.0\.site: Expected required property$/],
    [null, /^avoidedTravel\.0: Expected object$/],
  ])('rejects bad entry %j', (entry, message) => {
    expect(() => computeTravel([entry as never], sites)).toThrow(message);
    expect(() => computeTravel([{ site: 'montpellier', people: 1 }, entry as never], sites)).toThrow(/^avoidedTravel\.1/);
  });

  it('rejects a non-array', () => {
    expect(() => computeTravel({ site: 'beziers' } as never, sites)).toThrow(/^avoidedTravel: Expected array$/);
  });
});

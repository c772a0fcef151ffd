import { Type, type Static } from './typebox.ts';

/**
 * What a client may ask of the meeting, whatever the surface (REST body, MQTT `B/meeting/set`,
 * the panel, roomctl). One schema per request: it validates every surface, types the meeting
 * controller and the session log, and documents the REST API (docs/rest-api.md, docs/openapi.json).
 */

/** Upper bound on people per travel entry: a typo (4000 instead of 4) must not invent tonnes of CO₂. */
export const MAX_PEOPLE_PER_ENTRY = 500;

/** At most this many travel entries per request (a room has a handful of sites). */
export const MAX_TRAVEL_ENTRIES = 50;

/**
 * One group of people who would otherwise have driven to `site` (a key of `sessions.sites`).
 * The session log turns it into a stored record with kilometres (src/sessions/travel.ts).
 */
export const TravelEntry = Type.Object(
  {
    site: Type.String({ minLength: 1, description: 'a key of sessions.sites' }),
    people: Type.Integer({ minimum: 1, maximum: MAX_PEOPLE_PER_ENTRY, description: 'people who would have made the trip' }),
    carpool: Type.Optional(
      Type.Union([Type.Boolean(), Type.Integer({ minimum: 1, maximum: MAX_PEOPLE_PER_ENTRY })], {
        description: 'omitted or false: each person drives alone; true: ceil(people / carpoolSeats) cars; a number: that many cars (at most people)',
      }),
    ),
  },
  { additionalProperties: false },
);
export type TravelEntry = Static<typeof TravelEntry>;

/** The travel a meeting avoided: one entry per site. */
export const AvoidedTravel = Type.Array(TravelEntry, { maxItems: MAX_TRAVEL_ENTRIES });

/** Start the meeting (`POST /api/v1/meeting/start`, `B/meeting/set` `{ "action": "start", ... }`). */
export const StartRequest = Type.Object(
  {
    organisation: Type.Optional(Type.String({ maxLength: 120 })),
    title: Type.Optional(Type.String({ maxLength: 200 })),
    dial: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'a number or SIP URI the codec dials once the room is up' })),
    avoidedTravel: Type.Optional(AvoidedTravel),
    booking: Type.Optional(Type.String({ minLength: 1, maxLength: 1024, description: 'a booking id from GET /api/v1/bookings: organisation, title and dial come from it' })),
  },
  { additionalProperties: false },
);
export type StartRequest = Static<typeof StartRequest>;

/** End the meeting (`POST /api/v1/meeting/end`, `B/meeting/set` `{ "action": "end", ... }`); also the travel correction of a closed session. */
export const EndRequest = Type.Object({ avoidedTravel: Type.Optional(AvoidedTravel) }, { additionalProperties: false });
export type EndRequest = Static<typeof EndRequest>;

/** Mute or unmute every microphone in the room at once. */
export const MicrophonesRequest = Type.Object({ muted: Type.Boolean() }, { additionalProperties: false });
export type MicrophonesRequest = Static<typeof MicrophonesRequest>;

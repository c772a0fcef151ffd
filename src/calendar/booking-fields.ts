/**
 * What roomd reads from an event besides its times: who booked the room and what to dial. Pure.
 */

/**
 * The booking's organisation: the first CATEGORIES value naming one of `room.organisations`
 * (compared without case or accents, returned as configured, so the report groups one spelling),
 * else the organiser's CN, else undefined.
 */
export function organisationOf(categories: readonly string[], organiserCn: string | undefined, organisations: readonly string[]): string | undefined {
  const known = new Map(organisations.map((o) => [fold(o), o]));
  for (const category of categories) {
    const match = known.get(fold(category));
    if (match) return match;
  }
  const cn = organiserCn?.trim();
  return cn ? cn : undefined;
}

function fold(s: string): string {
  return s.normalize('NFD').replace(/\p{M}/gu, '').trim().toLowerCase();
}

/**
 * A `sip:` / `sips:` URI: user@host or host, with `;params`. Stops at whitespace, quotes, angle
 * brackets and commas, which never belong to a URI written in free text.
 */
const SIP_URI = /\bsips?:[A-Za-z0-9._~%!$&'*+=?@:\-]+(?:;[A-Za-z0-9._~%=\-]+)*/i;

/**
 * The SIP address to dial: the first `sip:` URI found in LOCATION, then URL, then DESCRIPTION
 * (the public sector's rooms — a Jitsi SIP gateway, the state's videoconference bridge — are
 * plain SIP URIs). Trailing sentence punctuation is not part of the URI.
 */
export function dialOf(...fields: Array<string | undefined>): string | undefined {
  for (const field of fields) {
    const match = field ? SIP_URI.exec(field) : null;
    if (!match) continue;
    const uri = match[0].replace(/[.:;!?'&=]+$/, '');
    const scheme = uri.indexOf(':');
    if (uri.length > scheme + 1) return uri.slice(0, scheme).toLowerCase() + uri.slice(scheme);
  }
  return undefined;
}

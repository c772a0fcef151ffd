/**
 * What Home Assistant entities are called, in the room's locale (`room.locale`). HA shows an
 * entity as "<device name> <entity name>", so names here never repeat the device's name, and the
 * room's own HA device has a short name (the long room name is the HA area instead).
 */

export type Locale = 'fr' | 'en';

export interface EntityNames {
  roomDevice: string;
  roomModel: string;
  power: string;
  volume: string;
  volumeUp: string;
  volumeDown: string;
  mute: string;
  micMute: string;
  input: string;
  preset: (label: string) => string;
  home: string;
  call: string;
  dial: string;
  hangup: string;
  answer: string;
  reject: string;
  meeting: string;
  meetingStart: string;
  meetingEnd: string;
  meetingPhase: string;
  organisation: string;
  microphones: string;
  kmMonth: string;
  co2Month: string;
  meetingsMonth: string;
  minutesMonth: string;
  kmLast: string;
  co2Last: string;
  /** The unit of "meetings this month" (a count of meetings). */
  meetingsUnit: string;
  selftest: string;
  selftestRun: string;
  nextBooking: string;
}

export const ENTITY_NAMES: Record<Locale, EntityNames> = {
  fr: {
    roomDevice: 'Salle',
    roomModel: 'Salle de visioconférence',
    power: 'Alimentation',
    volume: 'Volume',
    volumeUp: 'Volume +',
    volumeDown: 'Volume −',
    mute: 'Son coupé',
    micMute: 'Micro coupé',
    input: 'Entrée',
    preset: (label) => `Préréglage ${label}`,
    home: 'Position de repos',
    call: 'Appel',
    dial: 'Appeler',
    hangup: 'Raccrocher',
    answer: 'Répondre',
    reject: "Refuser l'appel",
    meeting: 'Réunion',
    meetingStart: 'Démarrer la réunion',
    meetingEnd: 'Terminer la réunion',
    meetingPhase: 'Étape de la réunion',
    organisation: 'Organisation de la réunion',
    microphones: 'Tous les micros coupés',
    kmMonth: 'Km évités ce mois-ci',
    co2Month: 'CO₂ évité ce mois-ci',
    meetingsMonth: 'Réunions ce mois-ci',
    minutesMonth: 'Temps de réunion ce mois-ci',
    kmLast: 'Km évités (dernière réunion)',
    co2Last: 'CO₂ évité (dernière réunion)',
    meetingsUnit: 'réunions',
    selftest: 'Autotest',
    selftestRun: "Lancer l'autotest",
    nextBooking: 'Prochaine réservation',
  },
  en: {
    roomDevice: 'Room',
    roomModel: 'Videoconference room',
    power: 'Power',
    volume: 'Volume',
    volumeUp: 'Volume up',
    volumeDown: 'Volume down',
    mute: 'Sound muted',
    micMute: 'Microphone muted',
    input: 'Input',
    preset: (label) => `Preset ${label}`,
    home: 'Home position',
    call: 'Call',
    dial: 'Dial',
    hangup: 'Hang up',
    answer: 'Answer',
    reject: 'Reject call',
    meeting: 'Meeting',
    meetingStart: 'Start meeting',
    meetingEnd: 'End meeting',
    meetingPhase: 'Meeting phase',
    organisation: 'Meeting organisation',
    microphones: 'All microphones muted',
    kmMonth: 'Km avoided this month',
    co2Month: 'CO₂ avoided this month',
    meetingsMonth: 'Meetings this month',
    minutesMonth: 'Meeting time this month',
    kmLast: 'Km avoided (last meeting)',
    co2Last: 'CO₂ avoided (last meeting)',
    meetingsUnit: 'meetings',
    selftest: 'Self-test',
    selftestRun: 'Run self-test',
    nextBooking: 'Next booking',
  },
};

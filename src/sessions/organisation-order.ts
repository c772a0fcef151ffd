let collator: Intl.Collator | undefined;

/**
 * Organisations in report order among equals: French alphabetical order ('Mairie' before
 * 'Ménétréols' before 'Parc'), the sessions with no organisation last. The collator — ICU's locale
 * data, a few MiB resident — is built the first time two names are compared, not by every report.
 */
export function compareOrganisations(a: string | null, b: string | null): number {
  if (a === null || b === null) return (a === null ? 1 : 0) - (b === null ? 1 : 0);
  return (collator ??= new Intl.Collator('fr')).compare(a, b);
}

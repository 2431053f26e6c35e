/**
 * Garmin's athlete name (userDisplayName in the session metadata, the name in an invitation) as a
 * matching key: case, accents and spacing differ between what a coach types and what the watch
 * owner set in Garmin Connect ("Zoë  Müller" vs "zoe muller").
 */
export function normalizeAthleteName(name: string): string {
  return name
    .normalize('NFD')
    // Combining marks left by NFD: the accents themselves.
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .trim()
    .replace(/\s+/g, ' ');
}

/** Whether two names are the same athlete's; never true when either is missing or blank. */
export function sameAthleteName(a: string | null | undefined, b: string | null | undefined): boolean {
  if (!a || !b) return false;
  const left = normalizeAthleteName(a);
  return left !== '' && left === normalizeAthleteName(b);
}

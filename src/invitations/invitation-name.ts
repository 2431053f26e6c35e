// The athlete's name as Garmin writes it in a LiveTrack invitation, for matching an athlete
// profile (AthletesService.matchGarminName). Pure. Garmin's English invitation reads
// "Watch <Name>'s live activity now!" (subject); the other forms are the wordings seen in
// LiveTrack and share e-mails ("<Name> is sharing …", "<Name> wants you to follow …",
// "LiveTrack: <Name>"). No match = null: the session is then matched by Garmin's session metadata.

const NAME = String.raw`([\p{L}\p{M}][\p{L}\p{M}\p{N} .'’\-]{0,98}?)`;

const PATTERNS: RegExp[] = [
  new RegExp(String.raw`^\s*watch\s+${NAME}\s*['’]s?\s+live\s*(?:activity|track)\b`, 'iu'),
  new RegExp(String.raw`^\s*${NAME}\s+is\s+(?:sharing|using)\b.*\blive\s*(?:track|activity)\b`, 'iu'),
  new RegExp(String.raw`^\s*${NAME}\s+(?:wants\s+you\s+to\s+follow|has\s+invited\s+you|invited\s+you)\b`, 'iu'),
  new RegExp(String.raw`^\s*follow\s+${NAME}\s*['’]s\s+live\s*(?:activity|track)\b`, 'iu'),
  new RegExp(String.raw`^\s*live\s*track\s*(?:invitation)?\s*(?:from|:|-|–)\s*${NAME}\s*[.!]?\s*$`, 'iu'),
];

/** Garmin's athlete name from the subject, else from the first lines of the text, or null. */
export function extractInvitedAthlete(subject: string | null | undefined, text: string | null | undefined): string | null {
  const lines = [subject ?? '', ...String(text ?? '').split(/\r?\n/).slice(0, 40)];
  for (const line of lines) {
    const name = nameIn(line);
    if (name) return name;
  }
  return null;
}

function nameIn(line: string): string | null {
  const clean = line.replace(/\s+/g, ' ').trim();
  if (!clean || clean.length > 300) return null;
  for (const re of PATTERNS) {
    const m = re.exec(clean);
    const name = m?.[1]?.replace(/\s+/g, ' ').trim().replace(/['’.\-]+$/, '').trim();
    if (name && !/^(the|your|a|an|their|this)$/i.test(name)) return name;
  }
  return null;
}

/**
 * Removes a secret (a password, a bot token) from free text such as a server's or library's error
 * message, as written and %-encoded (it may have been part of a URL). An empty secret removes nothing.
 */
export function scrubSecret(text: string, secret: string | null | undefined): string {
  let out = String(text ?? '');
  if (secret) {
    out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('***');
  }
  return out;
}

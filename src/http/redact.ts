/** A run of this many characters of a secret found in a message counts as quoting it. */
const QUOTED_RUN = 8;

/**
 * `message` with every secret cut out, also where the vendor quoted it JSON-escaped inside its
 * message (a value with a newline or a quote). A message that still quotes part of a secret (a
 * prefix, say) is withheld whole: no cut can tell where the quoted part ends.
 */
export function redact(message: string, secrets: readonly (string | undefined)[]): string {
  // Longest first: a secret that begins with another must not lose only its beginning.
  for (const secret of [...secrets].sort((a, b) => (b?.length ?? 0) - (a?.length ?? 0))) {
    if (!secret) continue;
    message = message.split(secret).join('[redacted]');
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) message = message.split(escaped).join('[redacted]');
  }
  for (const secret of secrets) {
    if (secret && quotesPartOf(message, secret)) return '[message withheld: it quoted part of a secret]';
  }
  return message;
}

function quotesPartOf(message: string, secret: string): boolean {
  for (let i = 0; i + QUOTED_RUN <= secret.length; i++) {
    if (message.includes(secret.slice(i, i + QUOTED_RUN))) return true;
  }
  return false;
}

/** A run of this many characters of a secret found in a message counts as quoting it. */
const QUOTED_RUN = 8;
/**
 * A longer message is withheld unread: no vendor writes an error message this long, and checking
 * one against a long secret (a 64 kB vault value) holds the event loop. Only 300 characters are
 * shown anyway.
 */
const MAX_CHECKED = 16_384;
const WITHHELD = '[message withheld: it quoted part of a secret]';

/**
 * `message` with every secret cut out, also where the vendor quoted it JSON-escaped inside its
 * message (a value with a newline or a quote). A message that still quotes part of a secret (a
 * prefix, say) is withheld whole: no cut can tell where the quoted part ends.
 */
export function redact(message: string, secrets: readonly (string | undefined)[]): string {
  if (message.length > MAX_CHECKED) return `[message withheld: over ${MAX_CHECKED} characters]`;
  // Longest first: a secret that begins with another must not lose only its beginning.
  for (const secret of [...secrets].sort((a, b) => (b?.length ?? 0) - (a?.length ?? 0))) {
    if (!secret) continue;
    message = message.split(secret).join('[redacted]');
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) message = message.split(escaped).join('[redacted]');
  }
  // Also as the message reads with escapes undone: a vendor may have quoted the secret Go-style
  // (`&` as \u0026), hex-, URL- or form-encoded, or escaped twice, leaving no run of it intact.
  const readings = unescapings(message);
  for (const secret of secrets) {
    if (!secret) continue;
    const runs = runsOf(secret);
    if (readings.some((text, i) => quotesAnyOf(text, runs) || (i > 0 && secret.length < QUOTED_RUN && text.includes(secret)))) return WITHHELD;
  }
  return message;
}

/** `text`, then as it reads with one, two and three rounds of escapes undone (fewer if nothing changes). */
function unescapings(text: string): string[] {
  const readings = [text];
  for (let round = 0; round < 3; round++) {
    const next = unescapeOnce(readings.at(-1)!);
    if (next === readings.at(-1)) break;
    readings.push(next);
  }
  return readings;
}

/** HTML's named entities a vendor's error page or HTML-safe JSON encoder uses for the characters it escapes. */
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const HTML_ENTITY = new RegExp(`&(?:#(\\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|(${Object.keys(NAMED_ENTITIES).join('|')}));`, 'g');

/**
 * JSON (`\u0026`, `\"`), hex (`\x26`), HTML (`&amp;`, `&#38;`, `&#x26;`) and URL escapes (`%26`,
 * UTF-8 sequences, `+` for a space) undone once.
 */
function unescapeOnce(text: string): string {
  const unescaped = text.replace(HTML_ENTITY, (entity, decimal?: string, hex?: string, named?: string) => {
    if (named) return NAMED_ENTITIES[named]!;
    const code = decimal ? parseInt(decimal, 10) : parseInt(hex!, 16);
    return code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  }).replace(/\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})|\\(["\\/])/g, (_, u?: string, x?: string, plain?: string) =>
    plain ?? String.fromCharCode(parseInt((u ?? x)!, 16)),
  );
  return unescaped.replace(/(?:%[0-9a-fA-F]{2})+|\+/g, (run) => {
    if (run === '+') return ' ';
    try {
      return decodeURIComponent(run);
    } catch {
      return run.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
    }
  });
}

/**
 * Every run of QUOTED_RUN characters in `secret`, so a message is checked in one pass over its own
 * runs: a search of the message for each run of the secret took their lengths' product.
 */
function runsOf(secret: string): Set<string> {
  const runs = new Set<string>();
  for (let i = 0; i + QUOTED_RUN <= secret.length; i++) runs.add(secret.slice(i, i + QUOTED_RUN));
  return runs;
}

function quotesAnyOf(message: string, runs: Set<string>): boolean {
  if (runs.size === 0) return false;
  for (let i = 0; i + QUOTED_RUN <= message.length; i++) {
    if (runs.has(message.slice(i, i + QUOTED_RUN))) return true;
  }
  return false;
}

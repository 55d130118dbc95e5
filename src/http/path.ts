/**
 * Fills a route template such as `/api/v2/clients/{client_id}/credentials` with encoded values.
 * Every value becomes exactly one path segment: `/`, `%`, `?`, `#` are percent-encoded, and a value
 * made only of dots (`.`, `..`) has its dots encoded too, so no id can climb to another route.
 */
export function buildPath(template: string, params: Record<string, string> = {}): string {
  const parts = split(template);
  let path = parts[0]!;
  for (let i = 1; i < parts.length; i += 2) {
    const key = parts[i]!;
    const value = params[key];
    if (value === undefined || value === '') throw new Error(`path parameter ${key} is missing`);
    path += encodeSegment(value) + parts[i + 1]!;
  }
  return path;
}

/** Templates split once into literal text (even indices) and parameter names (odd); they are a fixed set of route constants. */
const templates = new Map<string, string[]>();
function split(template: string): string[] {
  let parts = templates.get(template);
  if (!parts) templates.set(template, (parts = template.split(/\{(\w+)\}/)));
  return parts;
}

export function encodeSegment(value: string): string {
  const encoded = encodeURIComponent(value);
  return /^\.+$/.test(encoded) ? encoded.replace(/\./g, '%2E') : encoded;
}

export type QueryValue = string | number | boolean | undefined | readonly (string | number | boolean)[];

export function buildQuery(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) params.append(key, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

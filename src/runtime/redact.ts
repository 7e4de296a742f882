import { REDACTED } from './fetch/captured-request.ts';

/** Shorter values would match ordinary text everywhere ("true", "us"); they are not worth hiding. */
const MIN_SECRET_LENGTH = 4;

export type Redactor = (text: string) => string;

/**
 * Replaces every occurrence of each secret — as written, URL-encoded and base64-encoded — with [redacted].
 * Applied to logs, errors and captured requests before anything leaves the runtime. Undefined when there is
 * nothing to hide, so that callers can skip the work.
 */
export function createRedactor(secrets: readonly string[]): Redactor | undefined {
  const forms = new Set<string>();
  for (const secret of secrets) {
    if (secret.length < MIN_SECRET_LENGTH) continue;
    forms.add(secret);
    forms.add(encodeURIComponent(secret));
    forms.add(Buffer.from(secret).toString('base64').replace(/=+$/, ''));
  }
  // Longest first, so that a secret containing another is replaced whole.
  const ordered = [...forms].sort((a, b) => b.length - a.length);
  if (ordered.length === 0) return undefined;
  return (text) => {
    let out = text;
    for (const form of ordered) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return out;
  };
}

/** The string values of settings marked sensitive (strings, arrays of strings, text maps). */
export function sensitiveValues(
  settings: Readonly<Record<string, unknown>>,
  names: readonly string[],
): string[] {
  const values: string[] = [];
  for (const name of names) {
    const value = settings[name];
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) values.push(...value.filter((v): v is string => typeof v === 'string'));
    else if (value && typeof value === 'object') {
      values.push(...Object.values(value).filter((v): v is string => typeof v === 'string'));
    }
  }
  return values;
}

import { AppError } from '../server/app-error.ts';
import { SecretBox } from '../secrets/secret-box.ts';
import type { SettingDefinition } from './settings-schema.ts';

export type SettingValues = Record<string, unknown>;
const MASK = '••••';
const MAX_VALUE_CHARS = 64 * 1024;

/** How a sensitive value is shown: never the value, at most its last 4 characters when it is long. */
export function maskValue(value: string): string {
  return value.length >= 12 ? `${MASK}${value.slice(-4)}` : MASK;
}

/**
 * Checks values against the definitions: no unknown names, right types, required ones present. A sensitive
 * value sent back exactly as it was shown (masked) keeps the stored value. Returns plain values.
 */
export function validateSettingValues(
  definitions: readonly SettingDefinition[],
  input: unknown,
  previous: SettingValues = {},
  fieldPrefix = 'settings',
): SettingValues {
  if (input === undefined) input = {};
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw invalid(`${fieldPrefix} must be an object of setting values`, fieldPrefix);
  }
  const values = input as SettingValues;
  const byName = new Map(definitions.map((d) => [d.name, d]));
  const out: SettingValues = {};
  for (const [name, value] of Object.entries(values)) {
    const definition = byName.get(name);
    const field = `${fieldPrefix}.${name}`;
    if (definition === undefined) throw invalid(`${name} is not a setting of this function`, field);
    if (value === null || value === undefined) continue;
    const kept = definition.sensitive ? keptMasked(value, previous[name]) : undefined;
    // A masked value that matches nothing stored would otherwise be saved as the literal mask.
    if (definition.sensitive && kept === undefined && looksMasked(value)) {
      throw invalid(
        `${name} has no stored value that this masked value stands for: enter the value itself`,
        field,
      );
    }
    const checked = kept ?? value;
    checkType(definition, checked, field);
    out[name] = checked;
  }
  for (const definition of definitions) {
    if (definition.required && isEmpty(out[definition.name])) {
      throw invalid(
        `${definition.label} (${definition.name}) is required`,
        `${fieldPrefix}.${definition.name}`,
      );
    }
  }
  return out;
}

/** The masked form of a value, or undefined when `value` is not exactly what was shown for `previous`. */
function keptMasked(value: unknown, previous: unknown): unknown {
  if (previous === undefined) return undefined;
  return JSON.stringify(maskValues(previous)) === JSON.stringify(value) ? previous : undefined;
}

function looksMasked(value: unknown): boolean {
  if (typeof value === 'string') return value.startsWith(MASK);
  if (Array.isArray(value)) return value.some(looksMasked);
  if (typeof value === 'object' && value !== null) return Object.values(value).some(looksMasked);
  return false;
}

function checkType(definition: SettingDefinition, value: unknown, field: string): void {
  const ok =
    definition.type === 'string'
      ? typeof value === 'string' && value.length <= MAX_VALUE_CHARS
      : definition.type === 'boolean'
        ? typeof value === 'boolean'
        : definition.type === 'array'
          ? Array.isArray(value) &&
            value.length <= 1000 &&
            value.every((v) => typeof v === 'string' && v.length <= MAX_VALUE_CHARS)
          : typeof value === 'object' &&
            value !== null &&
            !Array.isArray(value) &&
            Object.keys(value).length <= 1000 &&
            Object.values(value).every((v) => typeof v === 'string' && v.length <= MAX_VALUE_CHARS);
  if (!ok) {
    const expected = {
      string: 'a string',
      boolean: 'a boolean',
      array: 'an array of strings',
      textMap: 'an object of string values',
    };
    throw invalid(`${definition.name} must be ${expected[definition.type]}`, field);
  }
}

function isEmpty(value: unknown): boolean {
  return value === undefined || value === '' || (Array.isArray(value) && value.length === 0);
}

function maskValues(value: unknown): unknown {
  if (typeof value === 'string') return maskValue(value);
  if (Array.isArray(value)) return value.map(maskValues);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskValues(v)]));
  return value;
}

/** For storage: sensitive values encrypted (the whole value, as JSON), the rest as they are. */
export function sealSettingValues(
  definitions: readonly SettingDefinition[],
  values: SettingValues,
  box: SecretBox,
): string {
  const sensitive = new Set(definitions.filter((d) => d.sensitive).map((d) => d.name));
  const sealed: SettingValues = {};
  for (const [name, value] of Object.entries(values)) {
    sealed[name] = sensitive.has(name) ? box.encrypt(JSON.stringify(value)) : value;
  }
  return JSON.stringify(sealed);
}

/** From storage to the plain values a function receives. */
export function openSettingValues(stored: string, box: SecretBox): SettingValues {
  const values = JSON.parse(stored) as SettingValues;
  for (const [name, value] of Object.entries(values)) {
    if (SecretBox.isEncrypted(value)) values[name] = JSON.parse(box.decrypt(value)) as unknown;
  }
  return values;
}

/** For API responses: every sensitive value masked, whatever the definitions say now. */
export function maskSettingValues(
  definitions: readonly SettingDefinition[],
  stored: string,
  box: SecretBox,
): SettingValues {
  const sensitive = new Set(definitions.filter((d) => d.sensitive).map((d) => d.name));
  const values = JSON.parse(stored) as SettingValues;
  const out: SettingValues = {};
  for (const [name, value] of Object.entries(values)) {
    const plain = SecretBox.isEncrypted(value) ? (JSON.parse(box.decrypt(value)) as unknown) : value;
    out[name] = sensitive.has(name) || SecretBox.isEncrypted(value) ? maskValues(plain) : plain;
  }
  return out;
}

function invalid(message: string, field: string): AppError {
  return new AppError(400, 'invalid_settings', message, { field });
}

import { AppError } from '../server/app-error.ts';

/** Segment's setting types; the Public API spells them STRING, BOOLEAN, ARRAY, TEXT_MAP (accepted too). */
export const SETTING_TYPES = ['string', 'boolean', 'array', 'textMap'] as const;
export type SettingType = (typeof SETTING_TYPES)[number];

export interface SettingDefinition {
  readonly name: string;
  readonly label: string;
  readonly type: SettingType;
  readonly description: string;
  readonly required: boolean;
  readonly sensitive: boolean;
}

const MAX_SETTINGS = 100;
const NAME = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const TYPE_ALIASES: Record<string, SettingType> = {
  string: 'string',
  boolean: 'boolean',
  array: 'array',
  textmap: 'textMap',
  text_map: 'textMap',
};

/** "API Key" → "apiKey", "Webhook URL" → "webhookUrl", "2nd Token" → "_2ndToken": read as settings.<name>. */
export function settingNameFromLabel(label: string): string {
  const words = label.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const name = words
    .map((word, i) => (i === 0 ? word.toLowerCase() : word[0]!.toUpperCase() + word.slice(1).toLowerCase()))
    .join('');
  if (name === '') return '';
  return /^[0-9]/.test(name) ? `_${name}` : name;
}

/** Validates and completes setting definitions as saved with code; a 400 names the definition at fault. */
export function normaliseSettingDefinitions(input: unknown): SettingDefinition[] {
  if (input === undefined) return [];
  if (!Array.isArray(input)) throw invalid('settings must be an array', 'settings');
  if (input.length > MAX_SETTINGS) throw invalid(`at most ${MAX_SETTINGS} settings are allowed`, 'settings');
  const seen = new Set<string>();
  return input.map((raw: unknown, i) => {
    const at = `settings[${i}]`;
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      throw invalid(`${at} must be an object`, at);
    const item = raw as Record<string, unknown>;
    for (const key of Object.keys(item)) {
      if (!['name', 'label', 'type', 'description', 'required', 'sensitive'].includes(key)) {
        throw invalid(`${at}.${key} is not a setting field`, `${at}.${key}`);
      }
    }
    if (typeof item.label !== 'string' || item.label.trim() === '' || item.label.length > 100) {
      throw invalid(`${at}.label must be a string of 1 to 100 characters`, `${at}.label`);
    }
    const label = item.label.trim();
    const name = item.name === undefined || item.name === '' ? settingNameFromLabel(label) : item.name;
    if (typeof name !== 'string' || !NAME.test(name) || name.length > 100) {
      throw invalid(`${at}.name must be a JavaScript identifier (letters, digits, _ and $)`, `${at}.name`);
    }
    if (seen.has(name)) throw invalid(`${at}.name "${name}" is used by another setting`, `${at}.name`);
    seen.add(name);
    const type = typeof item.type === 'string' ? TYPE_ALIASES[item.type.toLowerCase()] : undefined;
    if (type === undefined)
      throw invalid(`${at}.type must be one of ${SETTING_TYPES.join(', ')}`, `${at}.type`);
    if (
      item.description !== undefined &&
      (typeof item.description !== 'string' || item.description.length > 1000)
    ) {
      throw invalid(`${at}.description must be a string of at most 1000 characters`, `${at}.description`);
    }
    for (const flag of ['required', 'sensitive'] as const) {
      if (item[flag] !== undefined && typeof item[flag] !== 'boolean')
        throw invalid(`${at}.${flag} must be a boolean`, `${at}.${flag}`);
    }
    return {
      name,
      label,
      type,
      description: item.description ?? '',
      required: item.required === true,
      sensitive: item.sensitive === true,
    };
  });
}

function invalid(message: string, field: string): AppError {
  return new AppError(400, 'invalid_settings', message, { field });
}

/** A saved version's setting definitions (stored as JSON, validated when saved). */
export function definitionsOf(version: { readonly settings: string }): SettingDefinition[] {
  return JSON.parse(version.settings) as SettingDefinition[];
}

import type { SettingDefinition } from '../types.ts';

const TYPES: Record<SettingDefinition['type'], string> = {
  string: 'string',
  boolean: 'boolean',
  array: 'string[]',
  textMap: 'Record<string, string>',
};

/** `interface FunctionSettings` for the editor, from the function's settings as they are in the Settings tab. */
export function settingsDeclaration(settings: readonly SettingDefinition[]): string {
  const fields = settings.map((setting) => {
    const doc = [setting.label, setting.description, setting.sensitive ? '(encrypted)' : undefined]
      .filter(Boolean)
      .join(' — ');
    const optional = setting.required ? '' : '?';
    return `  /** ${doc.replaceAll('*/', '')} */\n  ${JSON.stringify(setting.name)}${optional}: ${TYPES[setting.type]};`;
  });
  // The index signature keeps code that reads a setting not defined yet (the template's settings.apiKey)
  // free of errors; the named fields still complete with their types and descriptions.
  const rest =
    '  /** A setting not defined in the Settings tab: undefined when the function runs. */\n  [name: string]: any;';
  return `interface FunctionSettings {\n${[...fields, rest].join('\n')}\n}\n`;
}

/** Segment's generated names ("API Key" → "apiKey"): the server's own rule, so the preview never differs. */
export { settingNameFromLabel as nameFromLabel } from '../../../src/functions/settings-schema.ts';

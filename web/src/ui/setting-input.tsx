// One setting's input as a destination's configuration shows it: text (masked when encrypted), a switch,
// a list, or key/value pairs.
import { useEffect, useId, useState } from 'react';
import type { SettingDefinition } from '../types.ts';

/** One item per non-empty line. */
export const parseList = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '');

/** `key: value` per line; a line without a colon (still being typed) is left out. */
export const parseTextMap = (text: string): Record<string, string> =>
  Object.fromEntries(
    text
      .split('\n')
      .filter((line) => line.includes(':'))
      .map((line): [string, string] => [
        line.slice(0, line.indexOf(':')).trim(),
        line.slice(line.indexOf(':') + 1).trim(),
      ])
      .filter(([key]) => key !== ''),
  );

const formatList = (value: unknown) => (Array.isArray(value) ? value.join('\n') : '');
const formatTextMap = (value: unknown) =>
  value && typeof value === 'object'
    ? Object.entries(value as Record<string, string>)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\n')
    : '';

/**
 * A textarea whose text is the user's own: parsing each keystroke into the value and printing it back would
 * drop the empty line Enter just made, or a key still waiting for its colon. The text follows `value` only
 * when the value changes from outside (a reload, a reset).
 */
function ParsedTextarea({
  id,
  value,
  parse,
  format,
  onChange,
}: {
  id: string;
  value: unknown;
  parse(text: string): unknown;
  format(value: unknown): string;
  onChange(value: unknown): void;
}) {
  const [text, setText] = useState(() => format(value));
  useEffect(() => {
    if (JSON.stringify(parse(text)) !== JSON.stringify(value ?? parse(''))) setText(format(value));
    // Only an outside change of the value re-formats; the text itself changes with every keystroke.
  }, [JSON.stringify(value)]);
  return (
    <textarea
      id={id}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parse(e.target.value));
      }}
    />
  );
}

export function SettingInput({
  definition,
  value,
  onChange,
  preview = false,
}: {
  definition: SettingDefinition;
  value: unknown;
  onChange(value: unknown): void;
  /** The Add Setting dialog's preview: it looks required but must never block the dialog's own form. */
  preview?: boolean;
}) {
  // Unique per input: the same setting can show twice at once (the Test tab behind the Deploy dialog).
  const id = `setting-${definition.name}-${useId()}`;
  const label = (
    <>
      {definition.label}
      {definition.required && <span aria-hidden="true"> *</span>}
      {definition.sensitive && <span className="badge">encrypted</span>}
    </>
  );
  const help = definition.description ? <span className="muted small">{definition.description}</span> : null;
  switch (definition.type) {
    case 'boolean':
      return (
        <label className="check" htmlFor={id}>
          <input
            id={id}
            type="checkbox"
            checked={value === true}
            onChange={(e) => onChange(e.target.checked)}
          />
          {label} {help}
        </label>
      );
    case 'array':
      return (
        <label htmlFor={id}>
          {label} <span className="muted small">(one per line)</span>
          <ParsedTextarea id={id} value={value} parse={parseList} format={formatList} onChange={onChange} />
          {help}
        </label>
      );
    case 'textMap':
      return (
        <label htmlFor={id}>
          {label} <span className="muted small">(key: value, one per line)</span>
          <ParsedTextarea
            id={id}
            value={value}
            parse={parseTextMap}
            format={formatTextMap}
            onChange={onChange}
          />
          {help}
        </label>
      );
    default:
      return (
        <label htmlFor={id}>
          {label}
          <input
            id={id}
            type={definition.sensitive ? 'password' : 'text'}
            autoComplete="off"
            value={typeof value === 'string' ? value : ''}
            required={definition.required && !preview}
            onChange={(e) => onChange(e.target.value)}
          />
          {help}
        </label>
      );
  }
}

/** Whether a required setting still lacks a value (an empty text, list or map). */
export function isMissing(definition: SettingDefinition, value: unknown): boolean {
  if (!definition.required) return false;
  if (value === undefined || value === null || value === '') return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === 'object') return Object.keys(value).length === 0;
  return false;
}

/** Every setting of a function, each with its input; `onChange` gets all values. */
export function SettingFields({
  definitions,
  values,
  onChange,
}: {
  definitions: readonly SettingDefinition[];
  values: Record<string, unknown>;
  onChange(values: Record<string, unknown>): void;
}) {
  return (
    <>
      {definitions.map((definition) => (
        <SettingInput
          key={definition.name}
          definition={definition}
          value={values[definition.name]}
          onChange={(value) => onChange({ ...values, [definition.name]: value })}
        />
      ))}
    </>
  );
}

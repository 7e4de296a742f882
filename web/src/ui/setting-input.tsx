// One setting's input as a destination's configuration shows it: text (masked when encrypted), a switch,
// a list, or key/value pairs.
import type { SettingDefinition } from '../types.ts';

export function SettingInput({
  definition,
  value,
  onChange,
}: {
  definition: SettingDefinition;
  value: unknown;
  onChange(value: unknown): void;
}) {
  const id = `setting-${definition.name}`;
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
          <textarea
            id={id}
            value={Array.isArray(value) ? value.join('\n') : ''}
            onChange={(e) => onChange(e.target.value.split('\n').filter((line) => line !== ''))}
          />
          {help}
        </label>
      );
    case 'textMap':
      return (
        <label htmlFor={id}>
          {label} <span className="muted small">(key: value, one per line)</span>
          <textarea
            id={id}
            value={
              value && typeof value === 'object'
                ? Object.entries(value as Record<string, string>)
                    .map(([k, v]) => `${k}: ${v}`)
                    .join('\n')
                : ''
            }
            onChange={(e) =>
              onChange(
                Object.fromEntries(
                  e.target.value
                    .split('\n')
                    .filter((line) => line.includes(':'))
                    .map((line) => [
                      line.slice(0, line.indexOf(':')).trim(),
                      line.slice(line.indexOf(':') + 1).trim(),
                    ]),
                ),
              )
            }
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
            required={definition.required}
            onChange={(e) => onChange(e.target.value)}
          />
          {help}
        </label>
      );
  }
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

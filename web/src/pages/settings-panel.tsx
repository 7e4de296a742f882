// The Settings tab: the function's settings, the Add Setting dialog with a live preview of how the setting
// will look to whoever configures a destination.
import { useState } from 'react';
import { nameFromLabel } from '../editor/function-settings.ts';
import type { SettingDefinition } from '../types.ts';
import { SettingInput } from '../ui/setting-input.tsx';
import { Dialog } from '../ui/dialog.tsx';

const TYPE_LABELS: Record<SettingDefinition['type'], string> = {
  string: 'String',
  boolean: 'Boolean',
  array: 'Array',
  textMap: 'Text Map',
};

export function SettingsPanel({
  settings,
  onChange,
  readOnly,
}: {
  settings: SettingDefinition[];
  onChange(settings: SettingDefinition[]): void;
  readOnly: boolean;
}) {
  const [editing, setEditing] = useState<{ index: number; setting: SettingDefinition }>();
  const blank: SettingDefinition = {
    label: '',
    name: '',
    type: 'string',
    description: '',
    required: false,
    sensitive: false,
  };
  return (
    <section aria-label="Settings">
      {settings.length === 0 ? (
        <p className="muted">
          No settings. Settings are values each destination fills in, such as an API key.
        </p>
      ) : (
        <ul className="settings-list">
          {settings.map((setting, index) => (
            <li key={setting.name}>
              <div>
                <strong>{setting.label}</strong> <code>{setting.name}</code> · {TYPE_LABELS[setting.type]}
                {setting.required && ' · required'}
                {setting.sensitive && ' · encrypted'}
                {setting.description && <div className="muted">{setting.description}</div>}
              </div>
              {!readOnly && (
                <span className="actions">
                  <button className="link" onClick={() => setEditing({ index, setting })}>
                    Edit
                  </button>
                  <button
                    className="link danger"
                    onClick={() => onChange(settings.filter((_, i) => i !== index))}
                    aria-label={`Delete setting ${setting.label}`}
                  >
                    Delete
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {!readOnly && <button onClick={() => setEditing({ index: -1, setting: blank })}>Add Setting</button>}
      {editing && (
        <SettingDialog
          initial={editing.setting}
          taken={settings.filter((_, i) => i !== editing.index).map((s) => s.name)}
          onCancel={() => setEditing(undefined)}
          onSave={(setting) => {
            const next = [...settings];
            if (editing.index === -1) next.push(setting);
            else next[editing.index] = setting;
            onChange(next);
            setEditing(undefined);
          }}
        />
      )}
    </section>
  );
}

function SettingDialog({
  initial,
  taken,
  onSave,
  onCancel,
}: {
  initial: SettingDefinition;
  taken: string[];
  onSave(setting: SettingDefinition): void;
  onCancel(): void;
}) {
  const [setting, setSetting] = useState(initial);
  const [preview, setPreview] = useState<unknown>();
  const name = nameFromLabel(setting.label);
  const problem =
    setting.label.trim() === ''
      ? 'Give the setting a label.'
      : name === ''
        ? 'The label needs a letter or digit.'
        : taken.includes(name)
          ? `Another setting is named ${name}.`
          : undefined;
  const update = (patch: Partial<SettingDefinition>) => setSetting((current) => ({ ...current, ...patch }));
  return (
    <Dialog
      title={initial.label ? 'Edit Setting' : 'Add Setting'}
      onClose={onCancel}
      onSubmit={() => {
        if (!problem) onSave({ ...setting, label: setting.label.trim(), name });
      }}
    >
      <div className="columns">
        <div>
          <label>
            Label
            <input autoFocus value={setting.label} onChange={(e) => update({ label: e.target.value })} />
          </label>
          <label>
            Name
            <input value={name} readOnly aria-describedby="setting-name-help" />
          </label>
          <p id="setting-name-help" className="muted small">
            Generated from the label: your code reads <code>settings.{name || '…'}</code>.
          </p>
          <label>
            Type
            <select
              value={setting.type}
              onChange={(e) => update({ type: e.target.value as SettingDefinition['type'] })}
            >
              {Object.entries(TYPE_LABELS).map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </label>
          <label>
            Description
            <textarea
              value={setting.description ?? ''}
              onChange={(e) => update({ description: e.target.value })}
            />
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={setting.required ?? false}
              onChange={(e) => update({ required: e.target.checked })}
            />
            Required
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={setting.sensitive ?? false}
              onChange={(e) => update({ sensitive: e.target.checked })}
            />
            Encrypted (the value is stored encrypted and never shown again)
          </label>
        </div>
        <div className="preview" aria-label="Preview">
          <p className="muted small">How it looks when configuring a destination:</p>
          <SettingInput
            definition={{ ...setting, name: name || 'setting', label: setting.label || '(no label yet)' }}
            value={preview}
            onChange={setPreview}
            preview
          />
        </div>
      </div>
      {problem && <p className="error">{problem}</p>}
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={problem !== undefined}>
          {initial.label ? 'Save Setting' : 'Add Setting'}
        </button>
      </div>
    </Dialog>
  );
}

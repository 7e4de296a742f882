// The function editor: code (Monaco) on the left; Settings, Test and Versions on the right. A new function
// starts on the template; Create Function saves it. Nothing unsaved is lost: a draft is kept in the browser
// and leaving with unsaved changes asks first.
import { useEffect, useRef, useState } from 'react';
import { api, messageOf } from '../api.ts';
import { settingsDeclaration } from '../editor/function-settings.ts';
import { CodeEditor, setSettingsDeclaration } from '../editor/monaco-editor.tsx';
import { navigate } from '../router.tsx';
import { type Me, can, useSession } from '../session.tsx';
import { useLeaveGuard } from '../ui/use-leave-guard.ts';
import type { FunctionSummary, SettingDefinition } from '../types.ts';
import { DeployDialog } from './deploy-dialog.tsx';
import { SettingsPanel } from './settings-panel.tsx';
import { TestPanel, type TestPanelHandle } from './test-panel.tsx';
import { VersionsPanel } from './versions-panel.tsx';
import { Dialog } from '../ui/dialog.tsx';

interface Draft {
  code: string;
  settings: SettingDefinition[];
  name: string;
}

/** Per user and workspace: someone else signing in on this browser must not get this user's draft. */
const draftKey = (me: Me | null, id: string | undefined) =>
  `switchyard:draft:${me?.user?.id ?? 'token'}:${me?.workspaceId ?? ''}:${id ?? 'new'}`;

export function FunctionEditorPage({ id }: { id?: string }) {
  const { me } = useSession();
  // Catalog → Functions → New Function: first the kind, as in Segment; then Build opens the editor.
  const [building, setBuilding] = useState(
    id !== undefined || localStorage.getItem(draftKey(me, undefined)) !== null,
  );
  if (!building) return <NewFunctionChooser onBuild={() => setBuilding(true)} />;
  return <FunctionEditor id={id} />;
}

function NewFunctionChooser({ onBuild }: { onBuild(): void }) {
  return (
    <>
      <h1>New Function</h1>
      <p className="muted">Choose what the function does.</p>
      <div className="cards">
        <button className="card selected" onClick={onBuild} aria-label="Destination Function: Build">
          <strong>Destination Function</strong>
          <span>Receives the events of the sources you connect and sends them anywhere with fetch.</span>
          <span className="primary-text">Build →</span>
        </button>
        <div className="card disabled" aria-disabled="true">
          <strong>Source Function</strong>
          <span>Receives webhooks and turns them into events. Not in Switchyard yet.</span>
        </div>
      </div>
    </>
  );
}

function FunctionEditor({ id }: { id?: string }) {
  const { me } = useSession();
  const [saved, setSaved] = useState<FunctionSummary>();
  const [draft, setDraft] = useState<Draft>();
  const [restored, setRestored] = useState(false);
  /** A new function's starting point: leaving it untouched loses nothing. */
  const [template, setTemplate] = useState<string>();
  /** Bumped whenever the code is replaced from outside the editor (load, discard, restore). */
  const [resetKey, setResetKey] = useState(0);
  const [tab, setTab] = useState<'settings' | 'test' | 'versions'>('test');
  const [error, setError] = useState<string>();
  const [notice, setNotice] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [deploying, setDeploying] = useState(false);
  const [configuring, setConfiguring] = useState(false);
  const test = useRef<TestPanelHandle>(null);
  const readOnly = id === undefined ? !can(me, 'functions:write') : !can(me, 'functions:write', id);

  const load = async () => {
    const base: Draft =
      id === undefined
        ? { code: (await api<{ code: string }>('GET', '/functions/template')).code, settings: [], name: '' }
        : await api<FunctionSummary>('GET', `/functions/${id}`).then((fn) => {
            setSaved(fn);
            return { code: fn.code, settings: fn.settings, name: fn.displayName };
          });
    if (id === undefined) setTemplate(base.code);
    const kept = localStorage.getItem(draftKey(me, id));
    const local = kept === null ? undefined : (JSON.parse(kept) as Draft);
    if (
      local &&
      (local.code !== base.code || JSON.stringify(local.settings) !== JSON.stringify(base.settings))
    ) {
      setDraft(local);
      setRestored(true);
    } else {
      setDraft(base);
    }
    setResetKey((n) => n + 1);
  };
  useEffect(() => {
    load().catch((cause: unknown) => setError(messageOf(cause)));
  }, [id]);

  const dirty =
    draft !== undefined &&
    (saved === undefined
      ? true
      : draft.code !== saved.code || JSON.stringify(draft.settings) !== JSON.stringify(saved.settings));

  const title = saved?.displayName;
  useEffect(() => {
    if (title) document.title = `${title} · Switchyard`;
  }, [title]);
  const untouchedTemplate = saved === undefined && draft?.code === template && draft?.settings.length === 0;
  useEffect(() => {
    if (draft === undefined || readOnly) return;
    if (dirty && !untouchedTemplate) localStorage.setItem(draftKey(me, id), JSON.stringify(draft));
    else localStorage.removeItem(draftKey(me, id));
  }, [draft, dirty, untouchedTemplate, id, readOnly]);
  useLeaveGuard(dirty && !untouchedTemplate && !readOnly, 'function code and settings');
  useEffect(() => setSettingsDeclaration(settingsDeclaration(draft?.settings ?? [])), [draft?.settings]);
  // The shortcuts work anywhere on the page, not only inside the editor.
  const shortcuts = useRef({ save: () => {}, run: () => {} });
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey)) return;
      if (event.key === 's') {
        event.preventDefault();
        shortcuts.current.save();
      } else if (event.key === 'Enter') {
        event.preventDefault();
        shortcuts.current.run();
      }
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, []);

  const update = (patch: Partial<Draft>) =>
    setDraft((current) => (current ? { ...current, ...patch } : current));

  const save = async (): Promise<FunctionSummary | undefined> => {
    if (!draft || readOnly) return;
    if (id === undefined) {
      setConfiguring(true);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const fn = await api<FunctionSummary>('PATCH', `/functions/${id}`, {
        code: draft.code,
        settings: draft.settings,
      });
      setSaved(fn);
      setDraft({ code: fn.code, settings: fn.settings, name: fn.displayName });
      localStorage.removeItem(draftKey(me, id));
      setNotice(`Saved as v${fn.version.number}. Running destinations keep their version until you deploy.`);
      return fn;
    } catch (cause) {
      setError(messageOf(cause));
    } finally {
      setBusy(false);
    }
  };

  const create = async (name: string) => {
    if (!draft) return;
    setBusy(true);
    setError(undefined);
    try {
      const fn = await api<FunctionSummary>('POST', '/functions', {
        displayName: name,
        code: draft.code,
        settings: draft.settings,
      });
      localStorage.removeItem(draftKey(me, undefined));
      setConfiguring(false);
      // Created: nothing is unsaved any more, so the move to its page must not ask.
      navigate(`/functions/${fn.id}`, { force: true });
    } catch (cause) {
      setError(messageOf(cause));
    } finally {
      setBusy(false);
    }
  };

  shortcuts.current = {
    save: () => void save(),
    run: () => {
      setTab('test');
      test.current?.run();
    },
  };

  if (draft === undefined)
    return error ? <p className="error">{error}</p> : <p className="muted">Loading…</p>;
  return (
    <div className="editor-page">
      <div className="title-row">
        <h1>{id === undefined ? 'New Function' : saved?.displayName}</h1>
        {saved && <span className="badge">LATEST v{saved.version.number}</span>}
        {dirty && !readOnly && <span className="muted">Unsaved changes</span>}
        <span className="spacer" />
        {!readOnly && id === undefined && (
          <button className="primary" onClick={() => setConfiguring(true)}>
            Configure
          </button>
        )}
        {!readOnly && id !== undefined && (
          <>
            <button onClick={() => void save()} disabled={busy || !dirty} title="Ctrl/Cmd+S">
              Save
            </button>
            <button
              className="primary"
              disabled={busy}
              onClick={() => {
                const next = dirty ? save() : Promise.resolve(saved);
                void next.then((fn) => fn && setDeploying(true));
              }}
            >
              Save &amp; Deploy
            </button>
          </>
        )}
      </div>
      {restored && (
        <p className="notice" role="status">
          Restored your unsaved draft.{' '}
          <button
            className="link"
            onClick={() => {
              localStorage.removeItem(draftKey(me, id));
              setRestored(false);
              void load();
            }}
          >
            Discard it
          </button>
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {/* "Saved as vN" describes the editor only until the next change. */}
      {notice && !dirty && <p role="status">{notice}</p>}
      <div className="editor-columns">
        <CodeEditor
          value={draft.code}
          resetKey={resetKey}
          readOnly={readOnly}
          onChange={(code) => update({ code })}
          onSave={() => shortcuts.current.save()}
          onRun={() => shortcuts.current.run()}
        />
        <div className="side">
          <div role="tablist" aria-label="Function panels" className="tabs">
            {(['settings', 'test', ...(id ? ['versions' as const] : [])] as const).map((name) => (
              <button key={name} role="tab" aria-selected={tab === name} onClick={() => setTab(name)}>
                {name === 'settings' ? 'Settings' : name === 'test' ? 'Test' : 'Versions'}
              </button>
            ))}
          </div>
          <div hidden={tab !== 'settings'}>
            <SettingsPanel
              settings={draft.settings}
              readOnly={readOnly}
              onChange={(settings) => update({ settings })}
            />
          </div>
          <div hidden={tab !== 'test'}>
            {readOnly ? (
              <p className="muted">Your role lets you view this function, not run it.</p>
            ) : (
              <TestPanel
                ref={test}
                code={draft.code}
                settings={draft.settings}
                saved={
                  saved && {
                    functionId: saved.id,
                    settings: saved.settings,
                    testSettings: saved.testSettings,
                  }
                }
              />
            )}
          </div>
          {id && tab === 'versions' && (
            <VersionsPanel
              functionId={id}
              readOnly={readOnly}
              unsaved={dirty}
              onRestored={() => {
                // The restored version is now the saved code: the editor shows it, not an older draft.
                localStorage.removeItem(draftKey(me, id));
                setNotice(undefined);
                void load();
              }}
            />
          )}
        </div>
      </div>
      {configuring && (
        <ConfigureDialog
          busy={busy}
          error={error}
          onCancel={() => setConfiguring(false)}
          onCreate={(name) => void create(name)}
        />
      )}
      {deploying && saved && (
        <DeployDialog
          functionId={saved.id}
          versionNumber={saved.version.number}
          settings={saved.settings}
          onClose={() => setDeploying(false)}
        />
      )}
    </div>
  );
}

function ConfigureDialog({
  busy,
  error,
  onCreate,
  onCancel,
}: {
  busy: boolean;
  error: string | undefined;
  onCreate(name: string): void;
  onCancel(): void;
}) {
  const [name, setName] = useState('');
  return (
    <Dialog
      title="Configure Function"
      onClose={onCancel}
      onSubmit={() => {
        if (name.trim() !== '') onCreate(name.trim());
      }}
    >
      <label>
        Function name
        <input autoFocus required value={name} onChange={(e) => setName(e.target.value)} />
      </label>
      {error && <p className="error">{error}</p>}
      <div className="dialog-actions">
        <button type="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy || name.trim() === ''}>
          Create Function
        </button>
      </div>
    </Dialog>
  );
}

// Monaco, bundled (no CDN), set up for destination functions: JavaScript checked as TypeScript would check
// it, with the runtime's globals and Segment's event shapes, and the function's own settings by name and type.
import * as monaco from 'monaco-editor';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import TsWorker from 'monaco-editor/language/typescript/ts.worker?worker';
import { useEffect, useRef } from 'react';
import handlerEnv from './handler-env.d.ts?raw';

self.MonacoEnvironment = {
  getWorker: (_id: string, label: string) =>
    label === 'typescript' || label === 'javascript' ? new TsWorker() : new EditorWorker(),
};

const defaults = monaco.typescript.javascriptDefaults;
defaults.setCompilerOptions({
  target: monaco.typescript.ScriptTarget.ES2020,
  allowNonTsExtensions: true,
  checkJs: true,
  allowJs: true,
  // No DOM: only what the runtime really offers is known.
  lib: ['es2020'],
});
// Monaco's JavaScript default leaves type errors unmarked; checkJs is only useful with them shown.
defaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false });
defaults.addExtraLib(handlerEnv, 'file:///switchyard/handler-env.d.ts');
let settingsLib: monaco.IDisposable | undefined;

/** Replaces the editor's `FunctionSettings` declaration. */
export function setSettingsDeclaration(declaration: string): void {
  settingsLib?.dispose();
  settingsLib = defaults.addExtraLib(declaration, 'file:///switchyard/function-settings.d.ts');
}

export interface CodeEditorProps {
  /** The text when the editor opens, and again whenever `resetKey` changes (a restored draft or version). */
  value: string;
  resetKey?: number;
  onChange(value: string): void;
  readOnly?: boolean;
  /** Ctrl/Cmd+S and Ctrl/Cmd+Enter inside the editor. */
  onSave?(): void;
  onRun?(): void;
}

export function CodeEditor({
  value,
  resetKey = 0,
  onChange,
  readOnly = false,
  onSave,
  onRun,
}: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const editor = useRef<monaco.editor.IStandaloneCodeEditor>(undefined);
  const latest = useRef(value);
  latest.current = value;
  const handlers = useRef({ onChange, onSave, onRun });
  handlers.current = { onChange, onSave, onRun };

  useEffect(() => {
    const uri = monaco.Uri.parse(`file:///function-${Math.random().toString(36).slice(2)}.js`);
    const model = monaco.editor.createModel(value, 'javascript', uri);
    const instance = monaco.editor.create(host.current!, {
      model,
      readOnly,
      automaticLayout: true,
      minimap: { enabled: false },
      fontSize: 13,
      tabSize: 2,
      scrollBeyondLastLine: false,
      ariaLabel: 'Function code',
    });
    editor.current = instance;
    // For the browser tests: the markers (squiggles) the editor shows, read without scraping the DOM.
    (globalThis as { switchyardMarkers?: () => monaco.editor.IMarker[] }).switchyardMarkers = () =>
      monaco.editor.getModelMarkers({ resource: uri });
    const changes = model.onDidChangeContent(() => handlers.current.onChange(model.getValue()));
    instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => handlers.current.onSave?.());
    instance.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, () => handlers.current.onRun?.());
    return () => {
      changes.dispose();
      instance.dispose();
      model.dispose();
    };
    // Created once: later values and options arrive through the effects below.
  }, []);

  // The editor owns its text while the user types: echoing each change back as a prop would arrive a render
  // late and undo keystrokes typed meanwhile. Only a reset (a restored draft or version) replaces it.
  useEffect(() => {
    const model = editor.current?.getModel();
    if (model && model.getValue() !== latest.current) model.setValue(latest.current);
  }, [resetKey]);
  useEffect(() => editor.current?.updateOptions({ readOnly }), [readOnly]);

  return <div className="code-editor" ref={host} />;
}

/**
 * A CodeMirror 6 YAML editor as a React component. The document is set once (remount with a new
 * `key` to load another text); every change is reported through `onChange`. Callers add
 * extensions such as the flow linter and completion (./flow-language.ts).
 */
import { yaml } from '@codemirror/lang-yaml';
import type { Extension } from '@codemirror/state';
import { EditorView, basicSetup } from 'codemirror';
import { useEffect, useRef } from 'react';

interface YamlEditorProps {
  initial: string;
  /** The accessible name of the text area (tests and screen readers find the editor by it). */
  label: string;
  onChange?(text: string): void;
  extensions?: Extension[];
  readOnly?: boolean;
}

export function YamlEditor({ initial, label, onChange, extensions = [], readOnly = false }: YamlEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const view = new EditorView({
      parent: host.current!,
      doc: initial,
      extensions: [
        basicSetup,
        yaml(),
        EditorView.contentAttributes.of({ 'aria-label': label }),
        EditorView.editable.of(!readOnly),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) changed.current?.(update.state.doc.toString());
        }),
        ...extensions,
      ],
    });
    return () => view.destroy();
    // The editor owns its text after the first render: a new text is a new component (`key`).
  }, []);

  return <div className="code-editor" ref={host} />;
}

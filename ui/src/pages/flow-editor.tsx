/**
 * The flow's YAML editor (`…/editor` tab) and a new flow's (`/ui/flows/new`): the API's diagnostics
 * inline as you type, completion from the JSON Schema, Save → PUT /flows/{ns}/{id} (a new revision)
 * or POST /flows for a new flow, the API's refusal shown above the editor.
 */
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { apiJson, type Flow } from '../api';
import { ErrorMessage, PageHeader } from '../components';
import { flowCompletion, flowLinter } from '../editor/flow-language';
import { YamlEditor } from '../editor/yaml-editor';
import { useAction } from '../use-action';
import type { FlowTabProps } from './flow-tab';

const NEW_FLOW = `id: my_flow
namespace: company.team

tasks:
  - id: hello
    type: io.kestra.plugin.core.log.Log
    message: Hello World!
`;

const YAML_BODY = { 'content-type': 'application/x-yaml' };
const EDITOR_EXTENSIONS = [flowLinter(), flowCompletion()];

function FlowSourceEditor({ initial, save }: { initial: string; save(source: string): Promise<void> }) {
  const [source, setSource] = useState(initial);
  const [saving, setSaving] = useState(false);
  const { error, run } = useAction();
  const [saved, setSaved] = useState(false);

  const onSave = () => {
    setSaving(true);
    setSaved(false);
    return run(async () => {
      await save(source);
      setSaved(true);
    }).finally(() => setSaving(false));
  };

  return (
    <div className="flow-editor">
      <div className="toolbar">
        <button className="primary" onClick={onSave} disabled={saving || source === initial}>
          Save
        </button>
        {saved ? (
          <span className="muted" role="status">
            Saved.
          </span>
        ) : null}
      </div>
      <ErrorMessage error={error} />
      <YamlEditor initial={initial} label="Flow YAML" onChange={setSource} extensions={EDITOR_EXTENSIONS} />
    </div>
  );
}

export function FlowEditor({ flow, reload }: FlowTabProps) {
  const save = async (source: string) => {
    await apiJson<Flow>(`/flows/${flow.namespace}/${flow.id}`, { method: 'PUT', headers: YAML_BODY, body: source });
    reload();
  };
  return <FlowSourceEditor key={`${flow.namespace}.${flow.id}`} initial={flow.source} save={save} />;
}

/** `/ui/flows/new`: a new flow, opened on its editor tab once created. */
export function NewFlowPage() {
  const navigate = useNavigate();
  const save = async (source: string) => {
    const created = await apiJson<Flow>('/flows', { method: 'POST', headers: YAML_BODY, body: source });
    void navigate(`/flows/edit/${created.namespace}/${created.id}/editor`);
  };
  return (
    <section>
      <PageHeader title="New flow" />
      <FlowSourceEditor initial={NEW_FLOW} save={save} />
    </section>
  );
}

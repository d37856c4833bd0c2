/** The flow page's "Execute" button: a dialog with the flow's inputs form; submitting opens the new execution. */
import { useState } from 'react';
import { useNavigate } from 'react-router';
import { apiJson, type Execution, type Flow } from '../api';
import { InputsForm } from './input-controls';

export function ExecuteButton({ flow }: { flow: Flow }) {
  const [open, setOpen] = useState(false);
  const navigate = useNavigate();
  const execute = async (form: FormData) => {
    const execution = await apiJson<Execution>(`/executions/${flow.namespace}/${flow.id}`, { method: 'POST', body: form });
    void navigate(`/executions/${flow.namespace}/${flow.id}/${execution.id}/gantt`);
  };
  return (
    <>
      <button type="button" className="button primary" onClick={() => setOpen(true)} disabled={flow.disabled}>
        Execute
      </button>
      {open ? (
        <div className="dialog-backdrop">
          <div className="dialog" role="dialog" aria-modal="true" aria-label={`Execute ${flow.id}`}>
            <h2>Execute {flow.id}</h2>
            <InputsForm key={flow.revision} inputs={flow.inputs ?? []} submit={execute}>
              <button type="submit" className="button primary">
                Execute
              </button>
              <button type="button" className="button" onClick={() => setOpen(false)}>
                Cancel
              </button>
            </InputsForm>
          </div>
        </div>
      ) : null}
    </>
  );
}

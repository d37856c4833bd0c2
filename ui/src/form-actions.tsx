/** A form's submit and Cancel buttons, the same in every small form. */
export function FormActions({ submit, disabled, onCancel }: { submit: string; disabled?: boolean; onCancel(): void }) {
  return (
    <div className="actions">
      <button type="submit" className="primary" disabled={disabled}>
        {submit}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

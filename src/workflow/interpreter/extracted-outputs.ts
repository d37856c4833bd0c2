/**
 * The Subflow task's `outputs` (Kestra's, deprecated since 0.15 in favour of flow outputs): a map of
 * name → expression the parent's task sends along, rendered against the child execution once it
 * ended (its task outputs, inputs, state), so the parent reads `outputs.<subflow task>.outputs.<name>`.
 * Pure: safe in the workflow sandbox.
 */
import { type Context, renderProperties } from '../expression';
import { messageOf } from '../error-message';
import { jsonBytes, MAX_PAYLOAD_DATA_BYTES } from './payload-size';

/** What the child returns to the parent: the rendered outputs, or why they could not be rendered. */
export type ExtractedOutputs = { outputs: Record<string, unknown> } | { error: string };

/** Renders each value (string leaves to text, as Kestra's `runContext.render(Map)`); a failure is reported, not thrown. */
export function extractOutputs(templates: Record<string, unknown>, variables: Context): ExtractedOutputs {
  try {
    const outputs = renderProperties(templates, variables) as Record<string, unknown>;
    const bytes = jsonBytes(outputs);
    if (bytes > MAX_PAYLOAD_DATA_BYTES)
      return { error: `the outputs are ${bytes} bytes, more than a task may keep (limit ${MAX_PAYLOAD_DATA_BYTES})` };
    return { outputs };
  } catch (error) {
    return { error: messageOf(error) };
  }
}

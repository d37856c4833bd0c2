/**
 * Temporal refuses any payload over 2 MB (an activity's input or result, a workflow's result or
 * failure): a workflow task that tries to send one fails, and the server ends the workflow
 * (TERMINATED, which shows as KILLED). So tflow measures what it sends, in UTF-8 bytes as Temporal
 * does (a CJK character is 3 bytes, not 1), and refuses, with a message naming the task, what
 * would not fit. The one size limit and the one way to measure live here.
 *
 * Pure and sandbox-safe: no Buffer in the workflow sandbox, so the UTF-8 length is counted by hand.
 */

/** Temporal's default payload limit (the server's `limit.blobSize.error`). */
export const TEMPORAL_PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024;

/**
 * What one payload may carry of a flow's data (task outputs, a task's input, flow outputs, all the
 * outputs of an execution together), leaving room for the envelope around it (logs, task runs).
 */
export const MAX_PAYLOAD_DATA_BYTES = 1_500_000;

/** The UTF-8 length of a string (surrogate pairs are one 4-byte character). */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The size of a value as JSON, in UTF-8 bytes (what Temporal's JSON payload converter sends). */
export function jsonBytes(value: unknown): number {
  return utf8Length(JSON.stringify(value) ?? '');
}

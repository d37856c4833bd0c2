/**
 * The text of whatever was thrown, as tflow shows it (a task run's error, a log line): an Error's
 * message, anything else as a string. Sandbox-safe: the workflow, activities and plugins share it.
 */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

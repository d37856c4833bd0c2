/**
 * The UI's only door to tflow: the public REST API (README "REST API"), the same calls the CLI and
 * curl make. Same-origin requests: the browser sends the Basic auth it was given for the page.
 */
export const API = '/api/v1';

/** An API answer that was not 2xx, with the API's own message (Kestra's `{message}` error shape). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** The whole error body, for forms that show per-field messages (422). */
    readonly body: unknown,
  ) {
    super(message);
  }
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  const message =
    typeof body === 'object' && body !== null && typeof (body as { message?: unknown }).message === 'string'
      ? (body as { message: string }).message
      : text || `${response.status} ${response.statusText}`;
  return new ApiError(response.status, message, body);
}

/** `path` is relative to /api/v1 (`/flows/search?…`). */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${API}${path}`, { credentials: 'same-origin', ...init });
  if (!response.ok) throw await errorFrom(response);
  return response;
}

export async function apiJson<T>(path: string, init: RequestInit = {}): Promise<T> {
  const response = await apiFetch(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
  return (await response.json()) as T;
}

/** JSON body helpers for POST/PUT/DELETE. */
export function jsonBody(method: string, body: unknown): RequestInit {
  return { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** `{a: 1, b: undefined}` → `?a=1`: undefined and empty values are left out. */
export function query(params: Record<string, string | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') search.set(key, String(value));
  const text = search.toString();
  return text ? `?${text}` : '';
}

// Shapes the pages read (Kestra's JSON, as tflow's API returns it).
export interface Label {
  key: string;
  value: string;
}

export interface FlowSummary {
  id: string;
  namespace: string;
  revision: number;
  description?: string;
  labels: Label[];
  disabled: boolean;
  updated: string;
}

export interface Flow extends FlowSummary {
  source: string;
  inputs?: FlowInput[];
}

export interface Page<T> {
  results: T[];
  total: number;
}

/** A flow input as the flow's JSON declares it (`inputs`), or a Pause's `onResume` input. */
export interface FlowInput {
  id: string;
  type: string;
  required?: boolean;
  defaults?: unknown;
  description?: string;
  displayName?: string;
  values?: string[];
  allowCustomValue?: boolean;
  min?: number | string;
  max?: number | string;
  itemType?: string;
  dependsOn?: { inputs: string[]; condition?: string };
}

export interface ExecutionState {
  current: string;
  startDate?: string;
  endDate?: string;
}

export interface TaskRun {
  id: string;
  taskId: string;
  parentTaskRunId?: string;
  value?: string;
  attempts: { state: ExecutionState }[];
  outputs: Record<string, unknown> | null;
  state: ExecutionState;
  error?: string;
}

export interface Execution {
  id: string;
  namespace: string;
  flowId: string;
  flowRevision: number;
  state: ExecutionState;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  labels: Label[];
  taskRunList: TaskRun[];
  /** Set when `taskRunList` holds only some of the task runs (a large ForEach's iterations run in batches): how many there are. */
  taskRunListTruncated?: { embedded: number; total: number };
  error?: string;
  trigger?: { id: string; type: string; variables: Record<string, unknown> };
}

export interface LogEntry {
  taskId?: string;
  taskRunId?: string;
  timestamp: string;
  level: string;
  message: string;
}

/** Kestra's 422 body: one `{message, path}` per problem. */
export function fieldErrors(error: unknown): { message: string; path: string }[] {
  const body = error instanceof ApiError ? (error.body as { _embedded?: { errors?: { message: string; path: string }[] } }) : undefined;
  return body?._embedded?.errors ?? [];
}

/**
 * tflow's custom search attributes: what makes executions findable in the Web UI and `temporal
 * workflow list -q`. Few on purpose: the dev server's SQLite visibility has 10 Keyword, 3 Int and
 * 3 KeywordList slots in all. Pure: imported by workflow code, the client and the dev-server script.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const FlowNamespaceKey = defineSearchAttributeKey('FlowNamespace', SearchAttributeType.KEYWORD);
export const FlowIdKey = defineSearchAttributeKey('FlowId', SearchAttributeType.KEYWORD);
export const FlowRevisionKey = defineSearchAttributeKey('FlowRevision', SearchAttributeType.INT);
/** The Kestra state (SUCCESS, WARNING, FAILED…), finer than Temporal's ExecutionStatus. */
export const FlowStateKey = defineSearchAttributeKey('FlowState', SearchAttributeType.KEYWORD);
/** Execution labels as `key:value` items: `Labels = 'taxi:green'` in a visibility query. */
export const LabelsKey = defineSearchAttributeKey('Labels', SearchAttributeType.KEYWORD_LIST);

export const SEARCH_ATTRIBUTES = [FlowNamespaceKey, FlowIdKey, FlowRevisionKey, FlowStateKey, LabelsKey];

/** `--search-attribute Name=Type` spelling for the Temporal CLI. */
export const CLI_TYPE_NAMES: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.DOUBLE]: 'Double',
};

export function labelsAttribute(labels: Record<string, string>): string[] {
  return Object.entries(labels).map(([key, value]) => `${key}:${value}`);
}

/** The attributes an execution starts with (manual runs, scheduled runs and subflows alike). */
export function executionSearchAttributes(flow: { namespace: string; id: string; revision: number }, labels: Record<string, string>) {
  return [
    { key: FlowNamespaceKey, value: flow.namespace },
    { key: FlowIdKey, value: flow.id },
    { key: FlowRevisionKey, value: flow.revision },
    { key: FlowStateKey, value: 'RUNNING' },
    { key: LabelsKey, value: labelsAttribute(labels) },
  ] as const;
}

/**
 * The pure parts of the REST API: execution-search parameters into a Temporal visibility query, and
 * the type a KV PUT body gets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { visibilityQuery } from '../../src/client/execution-list';
import { parseSearchQuery, withKestraFilters } from '../../src/server/execution-search';
import { kvValueOfBody } from '../../src/server/kv';

describe('execution search parameters', () => {
  it('become a visibility query over tflow’s search attributes, values quoted', () => {
    const { filter, page, size } = parseSearchQuery({
      namespace: 'zoomcamp',
      flowId: 'taxi',
      state: ['success', 'FAILED'],
      labels: ['team:data', 'env:"prod"'],
    });
    assert.equal(page, 1);
    assert.equal(size, 10);
    assert.equal(
      visibilityQuery(filter),
      'FlowId IS NOT NULL AND (FlowNamespace = "zoomcamp" OR FlowNamespace STARTS_WITH "zoomcamp.") AND FlowId = "taxi" AND FlowState IN ("SUCCESS", "FAILED") AND Labels = "team:data" AND Labels = "env:\\"prod\\""',
    );
  });

  it('timeRange counts back from now; dates and pages are checked', () => {
    const now = new Date('2024-05-01T12:00:00Z');
    const { filter } = parseSearchQuery({ timeRange: 'PT1H', state: 'SUCCESS,WARNING' }, now);
    assert.equal(visibilityQuery(filter), 'FlowId IS NOT NULL AND FlowState IN ("SUCCESS", "WARNING") AND StartTime >= "2024-05-01T11:00:00.000Z"');
    assert.throws(() => parseSearchQuery({ state: 'DONE' }), /unknown state `DONE`/);
    assert.throws(() => parseSearchQuery({ labels: 'nolabel' }), /expected key:value/);
    assert.throws(() => parseSearchQuery({ startDate: 'yesterday' }), /startDate: expected an ISO date-time/);
    assert.throws(() => parseSearchQuery({ page: '0' }), /page/);
    assert.throws(() => parseSearchQuery({ size: '5000' }), /size/);
  });
});

describe('Kestra 1.x filters[…] parameters', () => {
  it('read as the older parameters', () => {
    const query = withKestraFilters({
      'filters[namespace][EQUALS]': 'zoomcamp',
      'filters[state][IN]': 'SUCCESS,WARNING',
      'filters[labels][EQUALS][team]': 'data',
      'filters[labels][EQUALS][env]': 'prod',
      'filters[flowId][EQUALS]': 'taxi',
      size: '5',
    });
    const { filter, size } = parseSearchQuery(query);
    assert.equal(size, 5);
    assert.equal(
      visibilityQuery(filter),
      'FlowId IS NOT NULL AND FlowNamespace = "zoomcamp" AND FlowId = "taxi" AND FlowState IN ("SUCCESS", "WARNING") AND Labels = "team:data" AND Labels = "env:prod"',
    );
    const prefix = parseSearchQuery(withKestraFilters({ 'filters[namespace][PREFIX]': 'zoomcamp' })).filter;
    assert.match(visibilityQuery(prefix), /STARTS_WITH "zoomcamp\."/);
  });

  it('refuses what it cannot express', () => {
    assert.throws(() => withKestraFilters({ 'filters[or][0][namespace][EQUALS]': 'a' }), /is not supported/);
    assert.throws(() => withKestraFilters({ 'filters[flowId][CONTAINS]': 'a' }), /filters\[flowId\]\[CONTAINS\]: this filter is not supported/);
  });
});

describe('KV PUT body', () => {
  it('keeps JSON types and recognises dates, date-times and durations in text', () => {
    assert.deepEqual(kvValueOfBody('42'), { type: 'NUMBER', value: 42 });
    assert.deepEqual(kvValueOfBody('false'), { type: 'BOOLEAN', value: false });
    assert.deepEqual(kvValueOfBody('[1, "a"]'), { type: 'JSON', value: [1, 'a'] });
    assert.deepEqual(kvValueOfBody({ a: 1 }), { type: 'JSON', value: { a: 1 } });
    assert.deepEqual(kvValueOfBody('"quoted"'), { type: 'STRING', value: 'quoted' });
    assert.deepEqual(kvValueOfBody('2024-02-29'), { type: 'DATE', value: '2024-02-29' });
    assert.deepEqual(kvValueOfBody('2024-02-29T10:00:00Z'), { type: 'DATETIME', value: '2024-02-29T10:00:00.000Z' });
    assert.deepEqual(kvValueOfBody('PT5M'), { type: 'DURATION', value: 'PT5M' });
    assert.deepEqual(kvValueOfBody('just text'), { type: 'STRING', value: 'just text' });
    assert.deepEqual(kvValueOfBody(Buffer.from('7')), { type: 'NUMBER', value: 7 });
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskLogBuffer } from '../../src/activities/task-logs';

describe('task log buffer (what a task run sends back to the workflow)', () => {
  it('keeps everything when the output is small', () => {
    const buffer = new TaskLogBuffer();
    for (let i = 1; i <= 100; i++) buffer.add('INFO', `line ${i}`);
    assert.equal(buffer.lines().length, 100);
  });

  it('keeps the first and the last lines of a flood, says how many were left out, and stays small', () => {
    const buffer = new TaskLogBuffer();
    for (let i = 1; i <= 200_000; i++) buffer.add(i % 2 ? 'INFO' : 'ERROR', String(i));
    const lines = buffer.lines();
    assert.equal(lines[0].message, '1');
    assert.equal(lines[lines.length - 1].message, '200000');
    const note = lines.find((l) => l.level === 'WARN');
    const omitted = Number(/^\[(\d+) log lines left out/.exec(note?.message ?? '')?.[1]);
    assert.equal(lines.length - 1 + omitted, 200_000);
    assert.ok(JSON.stringify(lines).length < 400_000, `${JSON.stringify(lines).length} characters`);
  });

  it('shortens a very long line', () => {
    const buffer = new TaskLogBuffer();
    buffer.add('INFO', 'x'.repeat(100_000));
    assert.match(buffer.lines()[0].message, /^x{4000}… \[96000 more characters\]$/);
  });
});

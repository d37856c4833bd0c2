import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskLogBuffer } from '../../src/activities/task-logs';
import { jsonBytes, utf8Length } from '../../src/workflow/interpreter/payload-size';

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

  it('counts UTF-8 bytes, not characters: a flood of CJK lines stays as small in bytes as an ASCII one', () => {
    const buffer = new TaskLogBuffer();
    for (let i = 1; i <= 20_000; i++) buffer.add('INFO', '漢'.repeat(1000));
    assert.ok(jsonBytes(buffer.lines()) < 400_000, `${jsonBytes(buffer.lines())} bytes`);
  });
});

describe('payload sizes in UTF-8 bytes', () => {
  it('measures as Buffer.byteLength does (ASCII, accents, CJK, emoji)', () => {
    for (const text of ['', 'abc', 'é', '漢字', '😀', 'a漢😀é\n', '\ud800 lone']) assert.equal(utf8Length(text), Buffer.byteLength(text), text);
    assert.equal(jsonBytes({ v: '漢' }), Buffer.byteLength(JSON.stringify({ v: '漢' })));
  });
});

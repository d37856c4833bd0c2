import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { batchExtension, type BatchRule, lineChunksOf, parseByteSize, splitLines } from '../../src/plugins/core/flow/for-each-item-split';
import { MAX_FOR_EACH_ITEM_BATCHES } from '../../src/workflow/plugins/core/flow/for-each-item';
import { compileFlow } from '../../src/compiler/compile';

/** Splits `content` as the `_split` step does and returns the batches' contents. */
async function split(content: string, rule: BatchRule, separator = '\n'): Promise<string[]> {
  const batches: string[] = [];
  const count = await splitLines(lineChunksOf(Readable.from([content])), rule, separator, (index) => {
    assert.equal(index, batches.length, 'batches are opened in order');
    batches.push('');
    return {
      write: async (text) => {
        batches[index] += text;
      },
      close: async () => {},
    };
  });
  assert.equal(count, batches.length);
  return batches;
}

describe('ForEachItem split', () => {
  it('rows: whole lines, that many a batch, the last one shorter; a CSV header is not repeated', async () => {
    const csv = 'id,name\n1,a\n2,b\n3,c\n4,d\n';
    assert.deepEqual(await split(csv, { rows: 2 }), ['id,name\n1,a\n', '2,b\n3,c\n', '4,d\n']);
    assert.deepEqual(await split('a\nb\nc', { rows: 1 }), ['a\n', 'b\n', 'c\n'], 'a last line without newline gets one');
  });

  it('counts empty lines as items and reads \\r\\n and \\r endings as Java does; an empty file makes no batch', async () => {
    assert.deepEqual(await split('a\r\n\r\nb\rc\n', { rows: 2 }), ['a\n\n', 'b\nc\n']);
    assert.deepEqual(await split('', { rows: 10 }), []);
  });

  it('bytes: a batch ends with the line that reaches the size (lines are never cut)', async () => {
    // Each row is 4 bytes with its newline: the batch holding 3 rows (12 bytes) is the first to reach 10.
    assert.deepEqual(await split('aaa\nbbb\nccc\nddd\neee\n', { bytes: 10 }), ['aaa\nbbb\nccc\n', 'ddd\neee\n']);
    assert.deepEqual(await split('é\n', { bytes: 1 }), ['é\n'], 'a line longer than the size is a batch of its own');
  });

  it('partitions: lines dealt out in turn; partitions left empty are dropped', async () => {
    assert.deepEqual(await split('1\n2\n3\n4\n5\n', { partitions: 2 }), ['1\n3\n5\n', '2\n4\n']);
    assert.deepEqual(await split('1\n2\n', { partitions: 5 }), ['1\n', '2\n']);
  });

  it('writes the separator after each line', async () => {
    assert.deepEqual(await split('a\nb\nc\n', { rows: 2 }, ';'), ['a;b;', 'c;']);
  });

  it(`refuses to make more than ${MAX_FOR_EACH_ITEM_BATCHES} batches, saying how to make fewer`, async () => {
    const lines = Array.from({ length: MAX_FOR_EACH_ITEM_BATCHES + 1 }, (_, i) => `${i}\n`).join('');
    await assert.rejects(split(lines, { rows: 1 }), /more than 1000 batches.*larger batch\.rows or batch\.bytes/);
    assert.equal((await split(lines, { rows: 2 })).length, Math.ceil((MAX_FOR_EACH_ITEM_BATCHES + 1) / 2));
    await assert.rejects(split('a\n', { partitions: MAX_FOR_EACH_ITEM_BATCHES + 1 }), /more than 1000 batches/);
  });

  it('streams 100,000 lines, read in chunks, into 10 batches of 10,000 (a writer that never asks to wait)', async () => {
    const content = 'a,row\n'.repeat(100_000);
    const chunks = Array.from({ length: 60 }, (_, i) => content.slice(i * 10_000, (i + 1) * 10_000));
    const sizes: number[] = [];
    const count = await splitLines(lineChunksOf(Readable.from(chunks)), { rows: 10_000 }, '\n', (index) => {
      sizes[index] = 0;
      return { write: () => void sizes[index]++, close: async () => {} };
    });
    assert.equal(count, 10);
    assert.ok(sizes.every((n) => n === 10_000));
  });

  it('reads sizes as Kestra does and names batch files with the source extension', () => {
    assert.equal(parseByteSize('1048576'), 1048576);
    assert.equal(parseByteSize('512KB'), 512 * 1024);
    assert.equal(parseByteSize('10MB'), 10 * 1024 ** 2);
    assert.equal(parseByteSize('1gb'), 1024 ** 3);
    assert.throws(() => parseByteSize('ten megs'), /Invalid size with value 'ten megs'/);
    assert.equal(batchExtension('kestra:///ns/f/executions/e/tasks/t/r/orders.csv'), '.csv');
    assert.equal(batchExtension('kestra:///ns/f/executions/e/tasks/t/r/result.ion'), '.ion');
    assert.equal(batchExtension('kestra:///ns/f/executions/e/inputs/file/noextension'), '.tmp');
  });

  it('the compiler accepts ForEachItem (and its old name), refuses two batch rules, and knows no internal step type', () => {
    const source = (type: string, batch: string) => `id: parent
namespace: company.team
inputs:
  - id: file
    type: FILE
tasks:
  - id: each
    type: ${type}
    items: "{{ inputs.file }}"
    batch:
${batch}
    namespace: company.team
    flowId: child
    inputs:
      rows: "{{ taskrun.items }}"
`;
    const ok = compileFlow(source('io.kestra.plugin.core.flow.ForEachItem', '      rows: 10'), 'parent.yaml');
    assert.deepEqual(ok.diagnostics, []);
    const old = compileFlow(source('io.kestra.core.tasks.flows.ForEachItem', '      bytes: 10MB'), 'parent.yaml');
    assert.equal(old.spec?.tasks[0].type, 'io.kestra.plugin.core.flow.ForEachItem');
    const both = compileFlow(source('io.kestra.plugin.core.flow.ForEachItem', '      rows: 10\n      partitions: 4'), 'parent.yaml');
    assert.match(JSON.stringify(both.diagnostics), /set only one of batch\.rows, batch\.bytes, batch\.partitions/);
    const internal = compileFlow(source('io.kestra.plugin.core.flow.ForEachItem$ForEachItemSplit', '      rows: 1'), 'parent.yaml');
    assert.match(JSON.stringify(internal.diagnostics), /ForEachItemSplit/);
    assert.equal(internal.spec, undefined);
  });
});

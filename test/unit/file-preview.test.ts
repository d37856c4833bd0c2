import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { describe, it } from 'node:test';
import { parseIonText, toIonText } from '../../src/plugins/jdbc/ion-text';
import { FileNotPreviewable, previewFile } from '../../src/storage/file-preview';

const bounds = { maxRows: 2, maxBytes: 1024 };
const stream = (...chunks: string[]) => Readable.from(chunks.map((c) => Buffer.from(c)));

describe('file preview', () => {
  it('shows CSV rows keyed by the header, quoted commas and quotes kept, and says when there are more', async () => {
    const preview = await previewFile(stream('id,name\n1,"Smith, ""J"""\n', '2,Ada\n3,Bo\n'), 'trips.csv', bounds);
    assert.deepEqual(preview, {
      extension: 'csv',
      type: 'LIST',
      content: [
        { id: '1', name: 'Smith, "J"' },
        { id: '2', name: 'Ada' },
      ],
      truncated: true,
    });
  });

  it('reads Ion rows as tflow and Kestra store them, and JSON lines', async () => {
    const rows = [{ id: 1, fare: 12.5, vendor: 'CMT', at: null, tags: ['a', 'b'] }];
    const ion = await previewFile(stream(rows.map(toIonText).join('\n') + '\n'), 'rows.ion', bounds);
    assert.deepEqual(ion, { extension: 'ion', type: 'LIST', content: rows, truncated: false });
    assert.deepEqual(parseIonText("{'odd key':2024-01-31T10:00:00Z, n:12345678901234567890, s:note::sym, blob:{{aGk=}}}"), {
      'odd key': '2024-01-31T10:00:00Z',
      n: '12345678901234567890',
      s: 'sym',
      blob: 'aGk=',
    });
    const jsonl = await previewFile(stream('{"a":1}\n{"a":2}\n'), 'x.jsonl', bounds);
    assert.deepEqual(jsonl.content, [{ a: 1 }, { a: 2 }]);
    assert.equal(jsonl.truncated, false);
  });

  it('shows other files as their first lines of text, and stops reading at the byte bound', async () => {
    assert.deepEqual(await previewFile(stream('one\ntwo\nthree\n'), 'notes.txt', bounds), {
      extension: 'txt',
      type: 'TEXT',
      content: 'one\ntwo',
      truncated: true,
    });
    let pulled = 0;
    const endless = new Readable({
      read() {
        pulled++;
        this.push('x'.repeat(100));
      },
    });
    const preview = await previewFile(endless, 'log', { maxRows: 10, maxBytes: 250 });
    assert.equal(preview.content, '');
    assert.equal(preview.truncated, true);
    assert.ok(pulled < 10, `read ${pulled} chunks`);
    assert.equal(endless.destroyed, true);
  });

  it('refuses a binary file and a malformed row with a message naming the file', async () => {
    await assert.rejects(previewFile(stream('PK\u0003\u0004\u0000\u0000'), 'a.zip', bounds), (error: unknown) => {
      assert.ok(error instanceof FileNotPreviewable);
      assert.match((error as Error).message, /a\.zip is a binary file/);
      return true;
    });
    await assert.rejects(previewFile(stream('{"a":\n'), 'b.jsonl', bounds), /b\.jsonl cannot be read as \.jsonl rows/);
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { type BenchRow, writeResults } from '../../bench/results';

const row = (benchmark: string, tflow: string): BenchRow => ({ benchmark, tflow, baseline: 'psql: 1 s', ratio: '1.00× (time)', target: '–' });

describe('bench/results.md', () => {
  let dir: string;
  before(async () => (dir = await mkdtemp(join(tmpdir(), 'tflow-bench-results-'))));
  after(() => rm(dir, { recursive: true, force: true }));

  it('replaces the rows a run measured again, by name, and keeps the others with their date and machine, and the notes', async () => {
    const file = join(dir, 'results.md');
    writeResults([row('copy: one month', '2 s'), row('pipeline: curl | gunzip', '5 s')], file, '2026-11-26, machine A');
    await writeFile(file, `${await readFile(file, 'utf8')}\nA note written by hand.\n`);
    writeResults([row('pipeline: curl | gunzip', '4 s'), row('copy from S3', '3 s')], file, '2026-12-07, machine B');
    const lines = (await readFile(file, 'utf8')).split('\n');
    assert.deepEqual(
      lines.filter((line) => line.startsWith('| ') && !line.startsWith('| benchmark') && !line.startsWith('| ---')),
      [
        '| copy: one month | 2 s | psql: 1 s | 1.00× (time) | – | – | 2026-11-26, machine A |',
        '| pipeline: curl \\| gunzip | 4 s | psql: 1 s | 1.00× (time) | – | – | 2026-12-07, machine B |',
        '| copy from S3 | 3 s | psql: 1 s | 1.00× (time) | – | – | 2026-12-07, machine B |',
      ],
    );
    assert.equal(lines.at(-2), 'A note written by hand.');
  });

  it('refuses to rewrite a table whose columns it does not know, rather than lose its rows', async () => {
    const file = join(dir, 'old.md');
    await writeFile(file, '| benchmark | tflow |\n|---|---|\n| a | 1 s |\n');
    assert.throws(
      () => writeResults([row('a', '2 s')], file, 'today'),
      /expected the columns benchmark, tflow, baseline, ratio, target, met, measured/,
    );
    assert.equal(await readFile(file, 'utf8'), '| benchmark | tflow |\n|---|---|\n| a | 1 s |\n');
  });
});

/**
 * The first step of ForEachItem (src/workflow/plugins/core/flow/for-each-item.ts), Kestra's
 * `<id>_split` task run: reads the `items` file line by line and writes the batches, each a file of
 * whole lines, to this task run's folder in internal storage: `0<ext>`, `1<ext>`… (the source
 * file's extension). The workflow gets only their count and where they are, never their content.
 *
 * Memory stays flat whatever the file's size: lines stream from storage into local files of the
 * task's working directory, which are then moved (or uploaded) into storage one at a time.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import { defineRunnableTask } from '../../../workflow/plugins/task-definition';
import { FOR_EACH_ITEM_SPLIT_TYPE, MAX_FOR_EACH_ITEM_BATCHES } from '../../../workflow/plugins/core/flow/for-each-item';

/** How to cut the file: at most one of rows, bytes, partitions (rows: 1 when none is given, as in Kestra). */
export type BatchRule = { rows: number } | { bytes: number } | { partitions: number };

const UNITS: Record<string, number> = { '': 1, B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

/** `batch.bytes` as Kestra reads it (Micronaut's readable sizes): `1048576`, `512KB`, `10MB`, `1GB` (powers of 1024). */
export function parseByteSize(text: string): number {
  const match = /^\s*(\d+)\s*([kmgt]?b?)\s*$/i.exec(text);
  const unit = match ? UNITS[match[2].toUpperCase()] : undefined;
  if (!match || unit === undefined || Number(match[1]) <= 0)
    throw new Error(`Invalid size with value '${text}': use a number of bytes or a size such as 512KB, 10MB, 1GB`);
  return Number(match[1]) * unit;
}

/**
 * Splits the lines of `lines` (read a chunk of lines at a time, see lineChunksOf) into batches,
 * written by `open(index)`; returns the number of batches.
 * As Kestra: a line is whatever ends at `\n`, `\r\n` or `\r` (an empty line is one too), and each is
 * written followed by `separator`; `rows` and `bytes` start a new batch once the current one holds
 * that many rows or at least that many bytes (a batch may end one line past `bytes`); `partitions`
 * deals the lines out in turn, and drops the partitions left empty. Nothing is special about a first
 * line: a CSV header goes to the first batch only.
 */
export async function splitLines(
  lines: AsyncIterable<readonly string[]>,
  rule: BatchRule,
  separator: string,
  open: (index: number) => BatchWriter,
): Promise<number> {
  if ('partitions' in rule) return partition(lines, rule.partitions, separator, open);
  const full = 'rows' in rule ? (rows: number) => rows >= rule.rows : (_rows: number, bytes: number) => bytes >= rule.bytes;
  const countBytes = 'bytes' in rule;
  let writer: BatchWriter | undefined;
  let count = 0;
  let rows = 0;
  let bytes = 0;
  for await (const chunk of lines) {
    for (const line of chunk) {
      if (!writer || full(rows, bytes)) {
        await writer?.close();
        if (count >= MAX_FOR_EACH_ITEM_BATCHES) throw tooManyBatches();
        writer = open(count++);
        rows = 0;
        bytes = 0;
      }
      const row = line + separator;
      // A million lines: waiting only when the writer has to (a flush), not once a line.
      const flushing = writer.write(row);
      if (flushing) await flushing;
      rows += 1;
      if (countBytes) bytes += Buffer.byteLength(row);
    }
  }
  await writer?.close();
  return count;
}

async function partition(
  lines: AsyncIterable<readonly string[]>,
  partitions: number,
  separator: string,
  open: (index: number) => BatchWriter,
): Promise<number> {
  if (partitions > MAX_FOR_EACH_ITEM_BATCHES) throw tooManyBatches();
  const writers: BatchWriter[] = [];
  let next = 0;
  for await (const chunk of lines) {
    for (const line of chunk) {
      const writer = (writers[next] ??= open(next));
      const flushing = writer.write(line + separator);
      if (flushing) await flushing;
      next = (next + 1) % partitions;
    }
  }
  for (const writer of writers) await writer.close();
  // Fewer lines than partitions: only the partitions that got one are batches (they are the first ones).
  return writers.length;
}

function tooManyBatches(): Error {
  return new Error(
    `The items make more than ${MAX_FOR_EACH_ITEM_BATCHES} batches, the most one ForEachItem runs as subflow executions: ` +
      'put more items in each batch (a larger batch.rows or batch.bytes, or batch.partitions)',
  );
}

export interface BatchWriter {
  /** Takes a line; a promise when the caller must wait before the next one (the writer is flushing). */
  write(text: string): void | Promise<void>;
  close(): Promise<void>;
}

/** Text gathered before each write to a batch file: one write per line would be slow. */
const WRITE_BUFFER_CHARS = 64 * 1024;

/** A batch written to a local file, honouring the stream's back-pressure. */
function fileWriter(path: string): BatchWriter {
  const stream: WriteStream = createWriteStream(path);
  let buffered = '';
  const flush = async () => {
    const text = buffered;
    buffered = '';
    if (text !== '' && !stream.write(text)) await once(stream, 'drain');
  };
  return {
    write(text) {
      buffered += text;
      return buffered.length >= WRITE_BUFFER_CHARS ? flush() : undefined;
    },
    async close() {
      await flush();
      stream.end();
      await once(stream, 'close');
    },
  };
}

const LINE_END = /\r\n|\n|\r/;

/**
 * The lines of a stream, whatever their ending (`\n`, `\r\n`, `\r`), as Java's readLine sees them:
 * a list of lines per chunk read, so that a large file costs one await per chunk, not per line.
 */
export async function* lineChunksOf(input: Readable): AsyncIterable<string[]> {
  let rest = '';
  for await (const chunk of input.setEncoding('utf8') as AsyncIterable<string>) {
    const text = rest + chunk;
    // A `\r` at the end may be the first half of a `\r\n`: it waits for the next chunk.
    const complete = text.endsWith('\r') ? text.length - 1 : text.length;
    const lines = text.slice(0, complete).split(LINE_END);
    rest = lines.pop() + text.slice(complete);
    if (lines.length > 0) yield lines;
  }
  const last = rest.split(LINE_END);
  if (last[last.length - 1] === '') last.pop();
  if (last.length > 0) yield last;
}

/** The source file's extension, as Kestra keeps it for the batches (`.tmp` when it has none). */
export function batchExtension(uri: string): string {
  const name = uri.slice(uri.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const extension = dot >= 0 ? name.slice(dot) : '';
  return /^\.[A-Za-z0-9_-]{1,16}$/.test(extension) ? extension : '.tmp';
}

const count = z.coerce.number<string | number>().int().min(1);

export const forEachItemSplitTask = defineRunnableTask({
  type: FOR_EACH_ITEM_SPLIT_TYPE,
  internal: true,
  title: 'ForEachItem: split the items file into batch files.',
  properties: z.strictObject({
    items: z.string().min(1),
    batch: z
      .strictObject({ rows: count.optional(), bytes: z.string().optional(), partitions: count.optional(), separator: z.string().optional() })
      .optional(),
  }),
  async run({ items, batch = {} }, context) {
    if (!items.startsWith('kestra://')) throw new Error(`Unable to split the items from ${items}, this is not an internal storage URI!`);
    const rule: BatchRule =
      batch.bytes !== undefined
        ? { bytes: parseByteSize(batch.bytes) }
        : batch.partitions !== undefined
          ? { partitions: batch.partitions }
          : { rows: batch.rows ?? 1 };
    const extension = batchExtension(items);
    const directory = await context.workingDirectory();
    const local = (index: number) => join(directory, `${index}${extension}`);
    const source = await context.storage.get(items);
    const numberOfBatches = await splitLines(lineChunksOf(source), rule, batch.separator ?? '\n', (index) => fileWriter(local(index)));

    let batchesFolder = '';
    const listing: string[] = [];
    for (let index = 0; index < numberOfBatches; index++) {
      // Moved into storage when it can be (a local folder): the batches are never copied.
      const { uri } = await context.putLocalFile(`${index}${extension}`, local(index));
      batchesFolder ||= uri.slice(0, uri.lastIndexOf('/') + 1);
      listing.push(uri);
      if (index % 50 === 0) context.heartbeat({ uploaded: index + 1, of: numberOfBatches });
    }
    // Kestra's `splits`: a file listing the batch files, one URI a line.
    const { uri: splits } = await context.putFile('splits.txt', Readable.from(listing.length > 0 ? [listing.join('\n')] : []));
    context.log('INFO', `${numberOfBatches} batch${numberOfBatches === 1 ? '' : 'es'} of ${describeRule(rule)} from ${items}`);
    return { splits, numberOfBatches, batchesFolder, extension };
  },
});

function describeRule(rule: BatchRule): string {
  if ('rows' in rule) return `${rule.rows} row${rule.rows === 1 ? '' : 's'}`;
  if ('bytes' in rule) return `about ${rule.bytes} bytes`;
  return `lines dealt out to ${rule.partitions} partitions`;
}

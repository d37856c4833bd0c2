/**
 * The first lines of a stored file, for the UI's preview (Kestra's FilePreview shape): CSV, Ion and
 * JSON lines files as rows (`type: 'LIST'`), anything else as text (`type: 'TEXT'`). Only the start
 * of the file is read (at most `maxBytes`), whatever its size; `truncated` says there was more.
 */
import type { Readable } from 'node:stream';
import { parseIonText } from '../plugins/jdbc/ion-text';

export interface FilePreview {
  extension: string;
  type: 'LIST' | 'TEXT';
  content: unknown[] | string;
  truncated: boolean;
}

export interface PreviewBounds {
  maxRows: number;
  maxBytes: number;
}

export class FileNotPreviewable extends Error {
  override name = 'FileNotPreviewable';
}

const ROW_FORMATS: Record<string, (lines: string[]) => unknown[]> = {
  csv: csvRows,
  ion: (lines) => lines.filter((line) => line.trim() !== '').map(parseIonText),
  jsonl: jsonLines,
  ndjson: jsonLines,
};

/** Reads the start of `content` (then stops reading it) and previews it as `fileName`'s extension says. */
export async function previewFile(content: Readable, fileName: string, bounds: PreviewBounds): Promise<FilePreview> {
  const extension = /\.([A-Za-z0-9]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  const start = await readStart(content, bounds);
  if (start.bytes.includes(0)) throw new FileNotPreviewable(`${fileName} is a binary file: download it instead`);
  let lines = start.bytes.toString('utf8').split(/\r?\n/);
  // A read cut short ends inside a line: the last one is not whole.
  if (start.more) lines.pop();
  else if (lines[lines.length - 1] === '') lines.pop();
  const rowFormat = ROW_FORMATS[extension];
  // CSV: the header line is not a row.
  const rowLimit = bounds.maxRows + (extension === 'csv' ? 1 : 0);
  const truncated = start.more || lines.length > rowLimit;
  lines = lines.slice(0, rowLimit);
  if (!rowFormat) return { extension, type: 'TEXT', content: lines.join('\n'), truncated };
  try {
    return { extension, type: 'LIST', content: rowFormat(lines), truncated };
  } catch (error) {
    throw new FileNotPreviewable(`${fileName} cannot be read as .${extension} rows: ${(error as Error).message}`);
  }
}

/** The first bytes of a stream: up to maxBytes, or fewer once maxRows + 1 lines have come. */
async function readStart(content: Readable, bounds: PreviewBounds): Promise<{ bytes: Buffer; more: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let newlines = 0;
  let more = false;
  try {
    for await (const chunk of content) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
      chunks.push(buffer);
      size += buffer.length;
      for (const byte of buffer) if (byte === 0x0a) newlines++;
      // The header of a CSV and one line past the limit (to know it is truncated).
      if (size >= bounds.maxBytes || newlines > bounds.maxRows + 1) {
        more = true;
        break;
      }
    }
  } finally {
    content.destroy();
  }
  const bytes = Buffer.concat(chunks);
  if (bytes.length > bounds.maxBytes) return { bytes: bytes.subarray(0, bounds.maxBytes), more: true };
  if (more && newlines > bounds.maxRows + 1) {
    // Enough whole lines: keep them and say there is more.
    return { bytes: bytes.subarray(0, bytes.lastIndexOf(0x0a) + 1), more: false };
  }
  return { bytes, more };
}

function jsonLines(lines: string[]): unknown[] {
  return lines.filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as unknown);
}

/** CSV rows as objects keyed by the header line's names (RFC 4180 quoting; a quoted field may span lines). */
function csvRows(lines: string[]): Record<string, string>[] {
  const records = csvRecords(lines.join('\n'));
  const header = records.shift() ?? [];
  return records.map((fields) => Object.fromEntries(header.map((name, index) => [name, fields[index] ?? ''])));
}

function csvRecords(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n') {
      records.push([...fields, field]);
      fields = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || fields.length > 0) records.push([...fields, field]);
  return records;
}

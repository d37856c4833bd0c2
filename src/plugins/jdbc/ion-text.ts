/**
 * Amazon Ion text, the format Kestra writes `fetchType: STORE` results in (one value per line):
 * enough of it for query rows (null, booleans, numbers, strings, lists, structs, blobs).
 */
export function toIonText(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? '+inf' : '-inf';
    return Number.isInteger(value) ? String(value) : `${value}e0`;
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof Date) return value.toISOString();
  if (Buffer.isBuffer(value)) return `{{${value.toString('base64')}}}`;
  if (Array.isArray(value)) return `[${value.map(toIonText).join(',')}]`;
  if (typeof value === 'object') {
    const fields = Object.entries(value as Record<string, unknown>).map(([key, item]) => `${ionSymbol(key)}:${toIonText(item)}`);
    return `{${fields.join(',')}}`;
  }
  return JSON.stringify(String(value));
}

function ionSymbol(name: string): string {
  if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) && !['null', 'true', 'false', 'nan'].includes(name)) return name;
  return `'${name.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * Reads back one Ion text value as toIonText writes it (and Kestra's stored rows): null (typed nulls
 * too), booleans, numbers (decimals and `e` floats as numbers, nan/±inf), strings, symbols,
 * timestamps (as their ISO text), blobs (as base64 text), lists, s-expressions and structs.
 * Annotations (`a::`) are skipped. Throws on anything else.
 */
export function parseIonText(text: string): unknown {
  const reader = new IonReader(text);
  const value = reader.value();
  reader.skipSpace();
  if (!reader.atEnd()) throw new Error(`Unexpected ${JSON.stringify(text.slice(reader.at, reader.at + 10))} after an Ion value`);
  return value;
}

const ION_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T[\d:.]*(?:Z|[-+]\d{2}:\d{2})?/;

class IonReader {
  at = 0;
  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.at >= this.text.length;
  }

  skipSpace(): void {
    while (!this.atEnd() && /\s/.test(this.text[this.at])) this.at++;
  }

  value(): unknown {
    this.skipSpace();
    const c = this.text[this.at];
    if (c === '{' && this.text[this.at + 1] === '{') return this.blob();
    if (c === '{') return this.struct();
    if (c === '[') return this.sequence('[', ']', ',');
    if (c === '(') return this.sequence('(', ')', undefined);
    if (c === '"') return this.string();
    if (c === "'") {
      const symbol = this.quotedSymbol();
      return this.annotated() ? this.value() : symbol;
    }
    // A timestamp holds colons; other bare tokens end at one.
    const token = (ION_TIMESTAMP.exec(this.text.slice(this.at)) ?? /^[^\s,:{}[\]()"']+/.exec(this.text.slice(this.at)))?.[0];
    if (!token) throw new Error(`Unexpected ${JSON.stringify(c ?? 'end')} in Ion text`);
    this.at += token.length;
    if (this.annotated()) return this.value();
    return ionScalar(token);
  }

  /** Skips `::` after an annotation; true when there was one. */
  private annotated(): boolean {
    this.skipSpace();
    if (this.text.startsWith('::', this.at)) {
      this.at += 2;
      return true;
    }
    return false;
  }

  private struct(): Record<string, unknown> {
    const result: Record<string, unknown> = {};
    this.at++;
    for (;;) {
      this.skipSpace();
      if (this.text[this.at] === '}') {
        this.at++;
        return result;
      }
      const key = this.fieldName();
      this.skipSpace();
      if (this.text[this.at] !== ':') throw new Error('Expected ":" after an Ion field name');
      this.at++;
      result[key] = this.value();
      this.skipSpace();
      if (this.text[this.at] === ',') this.at++;
    }
  }

  private fieldName(): string {
    const c = this.text[this.at];
    if (c === '"') return this.string();
    if (c === "'") return this.quotedSymbol();
    const name = /^[A-Za-z0-9_$]+/.exec(this.text.slice(this.at))?.[0];
    if (!name) throw new Error('Expected an Ion field name');
    this.at += name.length;
    return name;
  }

  private sequence(open: string, close: string, separator: string | undefined): unknown[] {
    const items: unknown[] = [];
    this.at += open.length;
    for (;;) {
      this.skipSpace();
      if (this.atEnd()) throw new Error(`Unclosed Ion ${open}`);
      if (this.text[this.at] === close) {
        this.at++;
        return items;
      }
      items.push(this.value());
      this.skipSpace();
      if (separator && this.text[this.at] === separator) this.at++;
    }
  }

  private blob(): string {
    const end = this.text.indexOf('}}', this.at);
    if (end < 0) throw new Error('Unclosed Ion blob');
    const content = this.text.slice(this.at + 2, end).trim();
    this.at = end + 2;
    return content;
  }

  private string(): string {
    const match = /^"(?:[^"\\]|\\.)*"/.exec(this.text.slice(this.at));
    if (!match) throw new Error('Unclosed Ion string');
    this.at += match[0].length;
    return JSON.parse(match[0].replace(/\\'/g, "'")) as string;
  }

  private quotedSymbol(): string {
    const match = /^'(?:[^'\\]|\\.)*'/.exec(this.text.slice(this.at));
    if (!match) throw new Error('Unclosed Ion symbol');
    this.at += match[0].length;
    return match[0].slice(1, -1).replace(/\\(.)/g, '$1');
  }
}

function ionScalar(token: string): unknown {
  if (token === 'null' || token.startsWith('null.')) return null;
  if (token === 'true' || token === 'false') return token === 'true';
  if (token === 'nan') return Number.NaN;
  if (token === '+inf' || token === '-inf') return token === '+inf' ? Infinity : -Infinity;
  // Timestamps keep their text (2024-01-31T10:00:00Z, 2024-01-31).
  if (/^\d{4}-\d{2}(-\d{2})?(T.*)?$/.test(token)) return token;
  const number = token.replace(/_/g, '').replace(/[dD]/, 'e');
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(number) || /^-?0x[0-9a-f]+$/i.test(number)) {
    // An integer beyond JavaScript's safe range keeps its digits as text.
    return /^[-+]?\d+$/.test(number) && !Number.isSafeInteger(Number(number)) ? number : Number(number);
  }
  // A bare symbol.
  return token;
}

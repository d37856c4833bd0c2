/** A subset of Java's `DecimalFormat` for `numberFormat`: `#,##0.00`, `0.###`, `#%`, literal prefix/suffix; HALF_EVEN rounding. */
import { CallError } from './callables';

export function decimalFormat(value: number, pattern: string): string {
  const positive = pattern.split(';')[0];
  const m = /^([^#0,.]*)([#0,]*)(?:\.([0#]*))?([^#0,.]*)$/.exec(positive);
  if (!m || (!m[2] && !m[3])) throw new CallError(`Unsupported number format pattern '${pattern}'`);
  const [, prefix, intPart, fracPart = '', suffix] = m;
  let n = value;
  if (prefix.includes('%') || suffix.includes('%')) n *= 100;
  const minInt = (intPart.match(/0/g) ?? []).length;
  const lastComma = intPart.lastIndexOf(',');
  const grouping = lastComma >= 0 ? intPart.length - lastComma - 1 : 0;
  const minFrac = (fracPart.match(/0/g) ?? []).length;
  const maxFrac = fracPart.length;
  const negative = n < 0 || Object.is(n, -0);
  const [whole, frac] = roundHalfEven(Math.abs(n), maxFrac);
  let fracDigits = frac.replace(/0+$/, '');
  if (fracDigits.length < minFrac) fracDigits = fracDigits.padEnd(minFrac, '0');
  let intDigits = whole === '0' && minInt === 0 ? '' : whole.padStart(minInt, '0');
  if (grouping > 0) intDigits = intDigits.replace(new RegExp(`\\B(?=(\\d{${grouping}})+(?!\\d))`, 'g'), ',');
  if (!intDigits && !fracDigits) intDigits = '0';
  const body = fracDigits ? `${intDigits}.${fracDigits}` : intDigits;
  const isZero = /^[0.,]*$/.test(body);
  return `${negative && !isZero ? '-' : ''}${prefix.replace(/'/g, '')}${body}${suffix.replace(/'/g, '')}`;
}

/** Rounds to `digits` decimals with banker's rounding on the exact decimal expansion of the double. */
function roundHalfEven(value: number, digits: number): [string, string] {
  const exact = toPlainDecimal(value);
  const [w, f = ''] = exact.split('.');
  if (f.length <= digits) return [w, f.padEnd(digits, '0')];
  const keep = f.slice(0, digits);
  const rest = f.slice(digits);
  const digitsAll = (w + keep).split('').map(Number);
  const half = rest[0] > '5' || (rest[0] === '5' && /[1-9]/.test(rest.slice(1)));
  const tie = rest[0] === '5' && !/[1-9]/.test(rest.slice(1));
  const last = digitsAll[digitsAll.length - 1] ?? 0;
  if (half || (tie && last % 2 === 1)) {
    let k = digitsAll.length - 1;
    while (k >= 0 && digitsAll[k] === 9) digitsAll[k--] = 0;
    if (k < 0) digitsAll.unshift(1);
    else digitsAll[k]++;
  }
  const all = digitsAll.join('');
  const wholeOut = all.slice(0, all.length - digits) || '0';
  return [wholeOut.replace(/^0+(?=\d)/, ''), all.slice(all.length - digits)];
}

/** Java's DecimalFormat rounds the shortest decimal representation of the double (`Double.toString`). */
function toPlainDecimal(value: number): string {
  const [mantissa, expText] = value.toExponential().split('e');
  const exp = Number(expText);
  const digits = mantissa.replace('.', '');
  if (exp >= 0) {
    return digits.length > exp + 1 ? `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}` : digits.padEnd(exp + 1, '0');
  }
  return `0.${'0'.repeat(-exp - 1)}${digits}`;
}

/**
 * ISO-8601 durations as Kestra (Java's `Duration.parse`) accepts them: `PT15S`, `PT1H30M`, `P2D`,
 * `PT0.5S`, with an optional sign. Months and years are refused, as in Java. Pure.
 */
const ISO_DURATION = /^([-+]?)P(?:([-+]?\d+)D)?(?:T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+(?:[.,]\d{0,9})?)S)?)?$/i;

/** Milliseconds in an ISO-8601 duration, or undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const match = ISO_DURATION.exec(text.trim());
  if (!match || /T$/i.test(text.trim()) || text.trim().toUpperCase() === 'P') return undefined;
  const [, sign, days, hours, minutes, seconds] = match;
  const ms =
    Number(days ?? 0) * 86_400_000 +
    Number(hours ?? 0) * 3_600_000 +
    Number(minutes ?? 0) * 60_000 +
    Math.round(Number((seconds ?? '0').replace(',', '.')) * 1000);
  return sign === '-' ? -ms : ms;
}

/** Formats milliseconds as an ISO-8601 duration (`PT1M5.2S`), as Kestra prints durations. */
export function formatDuration(ms: number): string {
  if (ms === 0) return 'PT0S';
  const sign = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = rest / 1000;
  return `${sign}PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${seconds ? `${seconds}S` : ''}`;
}

/** Median, min and max of repeated measurements. */
export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function stats(samples: readonly number[]): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], runs: sorted.length };
}

export function formatStats(s: Stats, unit: string, digits = 1): string {
  const f = (n: number) => n.toFixed(digits);
  return `${f(s.median)} ${unit} (min ${f(s.min)}, max ${f(s.max)}, n=${s.runs})`;
}

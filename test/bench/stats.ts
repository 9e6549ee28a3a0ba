/** Distribution summaries for the benchmark JSON. */
export interface Dist {
  p50: number;
  p99: number;
  max: number;
  n: number;
}

/**
 * Nearest-rank percentiles: the q-quantile is the ⌈q·n⌉-th smallest sample (so p99 of 100
 * samples is the 99th, not the maximum, which `max` reports).
 */
export function dist(samples: number[] | Float64Array, digits = 2): Dist {
  const s = Float64Array.from(samples).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? Number.NaN;
  const r = (x: number) => Math.round(x * 10 ** digits) / 10 ** digits;
  return { p50: r(at(0.5)), p99: r(at(0.99)), max: r(s[s.length - 1] ?? Number.NaN), n: s.length };
}

import type { SeededRandom } from '@graft/core';

/** A Gamma(shape, 1) draw (Marsaglia and Tsang), from the seeded stream. */
export function sampleGamma(random: SeededRandom, shape: number): number {
  if (shape < 1) {
    // Boost: Gamma(a) = Gamma(a + 1) * U^(1/a).
    const u = 1 - random.next();
    return sampleGamma(random, shape + 1) * u ** (1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x = 0;
    let v = 0;
    do {
      x = random.normal();
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - random.next();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** A Beta(alpha, alpha) draw in [0, 1]. */
export function sampleBeta(random: SeededRandom, alpha: number): number {
  const a = sampleGamma(random, alpha);
  const b = sampleGamma(random, alpha);
  return a + b === 0 ? 0.5 : a / (a + b);
}

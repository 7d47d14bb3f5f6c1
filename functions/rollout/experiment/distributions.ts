/**
 * The two distributions the experiment statistics need — Student's t and the standard normal —
 * with their CDFs and quantiles, in plain TypeScript (no statistics package ships with the
 * functions). Methods: Lanczos log-gamma, the regularized incomplete beta and gamma functions by
 * their continued fractions (Press et al., "Numerical Recipes", 3rd ed., §6.1, §6.2, §6.4), and
 * quantiles by safeguarded Newton steps on the CDF, which is monotone. test/unit/experiment-statistics.test.ts
 * holds them to scipy.stats to 1e-9.
 */

const EPS = 1e-15;
const TINY = 1e-300;
const MAX_ITERATIONS = 100_000;

const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9: ~15 significant digits). */
export function lnGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0] as number;
  const t = z + 7.5;
  for (let i = 1; i < LANCZOS.length; i++) a += (LANCZOS[i] as number) / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the incomplete beta function (modified Lentz). */
function betaFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= MAX_ITERATIONS; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) return h;
  }
  throw new Error(`incomplete beta did not converge (a=${a}, b=${b}, x=${x})`);
}

/** The regularized incomplete beta function I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log1p(-x));
  // The fraction converges fast only below the mean; above it, use I_x(a,b) = 1 − I_{1−x}(b,a).
  return x < (a + 1) / (a + b + 2)
    ? (front * betaFraction(a, b, x)) / a
    : 1 - (front * betaFraction(b, a, 1 - x)) / b;
}

/** The regularized incomplete gamma functions P(a, x) and Q(a, x) = 1 − P, each without cancellation. */
export function incompleteGamma(a: number, x: number): { p: number; q: number } {
  if (x <= 0) return { p: 0, q: 1 };
  const lnFront = -x + a * Math.log(x) - lnGamma(a);
  if (x < a + 1) {
    // Series.
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let n = 1; n <= MAX_ITERATIONS; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * EPS) {
        const p = sum * Math.exp(lnFront);
        return { p, q: 1 - p };
      }
    }
    throw new Error(`incomplete gamma series did not converge (a=${a}, x=${x})`);
  }
  // Continued fraction for Q = 1 − P (modified Lentz).
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i <= MAX_ITERATIONS; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) {
      const q = Math.exp(lnFront) * h;
      return { p: 1 - q, q };
    }
  }
  throw new Error(`incomplete gamma fraction did not converge (a=${a}, x=${x})`);
}

/** Φ(z), the standard normal CDF: ½(1 + P(½, z²/2)) for z ≥ 0, ½·Q(½, z²/2) below (no cancellation in the tail). */
export function normalCdf(z: number): number {
  const g = incompleteGamma(0.5, (z * z) / 2);
  return z >= 0 ? 0.5 + 0.5 * g.p : 0.5 * g.q;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom (df may be fractional, as Welch's is). */
export function studentTCdf(t: number, df: number): number {
  if (!(df > 0)) throw new Error(`degrees of freedom must be > 0, got ${df}`);
  if (!Number.isFinite(df)) return normalCdf(t);
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/**
 * The x with cdf(x) = p for an increasing cdf with density pdf: Newton's method from `start`,
 * kept inside a bracket that bisection narrows whenever a Newton step would leave it, to machine
 * precision (a handful of steps from a normal start; the A/A simulation makes ~10⁵ of these).
 */
function invert(cdf: (x: number) => number, pdf: (x: number) => number, p: number, start: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`a quantile needs 0 < p < 1, got ${p}`);
  let lo = Math.min(-1, start);
  let hi = Math.max(1, start);
  while (cdf(lo) > p) lo *= 2;
  while (cdf(hi) < p) hi *= 2;
  let x = start;
  for (let i = 0; i < 200; i++) {
    const f = cdf(x) - p;
    if (f === 0) return x;
    if (f < 0) lo = x;
    else hi = x;
    const newton = x - f / pdf(x);
    const next = newton > lo && newton < hi ? newton : (lo + hi) / 2;
    if (Math.abs(next - x) <= 1e-14 * Math.max(1, Math.abs(x))) return next;
    x = next;
  }
  return x;
}

const SQRT_2PI = Math.sqrt(2 * Math.PI);

export function normalPdf(z: number): number {
  return Math.exp((-z * z) / 2) / SQRT_2PI;
}

export function studentTPdf(t: number, df: number): number {
  if (!Number.isFinite(df)) return normalPdf(t);
  const lnC = lnGamma((df + 1) / 2) - lnGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(lnC - ((df + 1) / 2) * Math.log1p((t * t) / df));
}

export function normalQuantile(p: number): number {
  return invert(normalCdf, normalPdf, p, 0);
}

export function studentTQuantile(p: number, df: number): number {
  return invert(
    (t) => studentTCdf(t, df),
    (t) => studentTPdf(t, df),
    p,
    normalQuantile(p),
  );
}

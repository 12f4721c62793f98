/**
 * Seeded randomness for the simulator. Every row has its own stream, keyed by
 * (seed, batch, row), so any row can be regenerated alone — that is how a listing
 * re-appears in a later batch without keeping earlier batches in memory.
 *
 * sfc32 (Chris Doty-Humphrey's Small Fast Counting generator, public domain) is
 * 32-bit, passes PractRand to terabytes and costs a few integer ops per draw.
 */

/** One murmur3 mixing step of word w into running hash h. */
function mix(h: number, w: number): number {
  let k = Math.imul(w | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** murmur3's finaliser. */
function fmix(h: number, n: number): number {
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Mixes up to six 32-bit words into one well-distributed 32-bit word (fixed arity: no arrays on the hot path). */
export function hash32(a: number, b = 0, c = 0, d = 0, e = 0, f = 0): number {
  return fmix(mix(mix(mix(mix(mix(mix(0x9e3779b9 | 0, a), b), c), d), e), f), 6);
}

/** A uniform in [0, 1) from a hash of the given words (stateless). */
export function hashUnit(a: number, b = 0, c = 0, d = 0, e = 0, f = 0): number {
  return hash32(a, b, c, d, e, f) / 4294967296;
}

/** Stable 32-bit hash of a string (FNV-1a), for keying per-city constants. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class Sfc32 {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare = 0;
  private hasSpare = false;

  constructor(a: number, b: number, c: number, d = 1) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    for (let i = 0; i < 12; i++) this.nextU32();
  }

  /** The stream of one key, e.g. (seed, batch, row). */
  static keyed(k0: number, k1 = 0, k2 = 0, k3 = 0): Sfc32 {
    return new Sfc32(hash32(k0, k1, k2, k3, 1), hash32(k0, k1, k2, k3, 2), hash32(k0, k1, k2, k3, 3), 1);
  }

  nextU32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, pairs cached). */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spare;
    }
    const u1 = (this.nextU32() + 1) / 4294967297; // (0, 1]
    const u2 = this.next();
    const r = Math.sqrt(-2 * Math.log(u1));
    const t = 2 * Math.PI * u2;
    this.spare = r * Math.sin(t);
    this.hasSpare = true;
    return r * Math.cos(t);
  }
}

/** A standard normal from a stateless hash (for fixed per-city/per-zip effects). */
export function hashNormal(a: number, b = 0, c = 0, d = 0): number {
  const u1 = (hash32(a, b, c, d, 11) + 1) / 4294967297;
  const u2 = hash32(a, b, c, d, 12) / 4294967296;
  return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
}

/** Standard normal density and distribution (erfc after W. J. Cody's rational form via Numerical Recipes, |rel err| < 1.2e-7). */
export function normPdf(x: number): number {
  return Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
}

export function normCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/**
 * Variance of a N(0,1) variable conditioned on lying in [a, b] (a may be -Infinity,
 * b may be +Infinity). Used for the in-band noise floor of a price-truncated batch.
 */
export function truncatedNormalVariance(a: number, b: number): number {
  const Pa = a === -Infinity ? 0 : normCdf(a);
  const Pb = b === Infinity ? 1 : normCdf(b);
  const Z = Pb - Pa;
  if (!(Z > 1e-12)) return 0; // numerically empty interval: the value is pinned
  const pa = a === -Infinity ? 0 : normPdf(a);
  const pb = b === Infinity ? 0 : normPdf(b);
  const aPa = a === -Infinity ? 0 : a * pa;
  const bPb = b === Infinity ? 0 : b * pb;
  const m = (pa - pb) / Z;
  return Math.max(0, 1 + (aPa - bPb) / Z - m * m);
}

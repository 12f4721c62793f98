/**
 * The drift statistics against scipy on the same samples, through the project's Python (.venv).
 * Tolerances: statistics (D, Wasserstein, normalised Wasserstein, PSI, χ², JS, unseen share)
 * absolute 1e-6; p-values and distribution tails relative 1e-6 (|ours − scipy| ≤ 1e-6·scipy), so a
 * p-value of 1e-40 must match to its sixth digit too — except that both underflowing to 0 agree.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { categoricalFeatureDrift, numericFeatureDrift } from './feature-drift.js';
import { kolmogorovSmirnovSurvival } from './kolmogorov-distribution.js';
import { chiSquaredSurvival } from './special-functions.js';
import { buildReferenceCases, serialiseCases } from './testing/reference-cases.js';

const here = dirname(fileURLToPath(import.meta.url));
const python = resolve(here, '../../.venv/bin/python');
const script = join(here, 'testing/scipy_reference.py');
const STATISTIC_TOLERANCE = 1e-6;
const P_VALUE_RELATIVE_TOLERANCE = 1e-6;

function assertStatistic(actual: number | undefined, expected: number, what: string) {
  assert.ok(actual !== undefined && Math.abs(actual - expected) <= STATISTIC_TOLERANCE, `${what}: ours ${actual}, scipy ${expected}`);
}

function assertPValue(actual: number | undefined, expected: number, what: string) {
  assert.ok(
    actual !== undefined && Math.abs(actual - expected) <= P_VALUE_RELATIVE_TOLERANCE * Math.abs(expected),
    `${what}: ours ${actual}, scipy ${expected} (relative ${actual === undefined ? '?' : Math.abs(actual - expected) / Math.abs(expected)})`,
  );
}

/** Why the reference run cannot happen here, or null when .venv has scipy. */
function missingPrerequisite(): string | null {
  if (!existsSync(python)) return `${python} absent (run scripts/setup-venv.sh with scipy in requirements-dev.txt)`;
  const probe = spawnSync(python, ['-c', 'import scipy, numpy'], { encoding: 'utf8' });
  if (probe.status !== 0) return `scipy not importable from ${python}: ${probe.stderr.trim().split('\n').pop()}`;
  return null;
}

interface ScipyResults {
  versions: { scipy: string; numpy: string };
  numeric: { ksStatistic: number; ksPValue: number; wasserstein: number; wassersteinNormalised: number; psi: number }[];
  categorical: { chiSquared: number; chiSquaredPValue: number; dof: number; jensenShannon: number; unseenShare: number }[];
  kstwo: number[];
  chi2: number[];
}

describe('drift statistics match scipy on shared samples', () => {
  const skipReason = missingPrerequisite();
  const cases = buildReferenceCases();
  let scipy: ScipyResults;
  let workDir: string | undefined;

  before(() => {
    if (skipReason) return;
    workDir = mkdtempSync(join(tmpdir(), 'casa-drift-'));
    const casesFile = join(workDir, 'cases.json');
    writeFileSync(casesFile, serialiseCases(cases));
    const run = spawnSync(python, [script, casesFile], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    assert.equal(run.status, 0, `scipy reference script failed: ${run.stderr}`);
    scipy = JSON.parse(run.stdout) as ScipyResults;
  });

  after(() => {
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('numeric features: KS D and p-value, Wasserstein (raw, normalised) and PSI', (t) => {
    if (skipReason) return t.skip(skipReason);
    assert.equal(scipy.numeric.length, cases.numeric.length);
    cases.numeric.forEach((c, i) => {
      const expected = scipy.numeric[i]!;
      const result = numericFeatureDrift(c.name, c.reference, c.current);
      assertStatistic(result.ks?.statistic, expected.ksStatistic, `${c.name}: KS D`);
      assertPValue(result.ks?.pValue, expected.ksPValue, `${c.name}: KS p-value (${result.ks?.method})`);
      assertStatistic(result.wasserstein?.distance, expected.wasserstein, `${c.name}: Wasserstein`);
      assertStatistic(result.wasserstein?.normalised, expected.wassersteinNormalised, `${c.name}: normalised Wasserstein`);
      assertStatistic(result.psi?.value, expected.psi, `${c.name}: PSI`);
    });
    t.diagnostic(`${cases.numeric.length} numeric cases, scipy ${scipy.versions.scipy}, numpy ${scipy.versions.numpy}`);
  });

  it('numeric cases cover both KS methods', (t) => {
    if (skipReason) return t.skip(skipReason);
    const methods = new Set(cases.numeric.map((c) => numericFeatureDrift(c.name, c.reference, c.current).ks?.method));
    assert.deepEqual([...methods].sort(), ['asymp', 'exact']);
  });

  it('categorical features: χ² and p-value (Yates at 1 dof), Jensen–Shannon, unseen share', (t) => {
    if (skipReason) return t.skip(skipReason);
    assert.equal(scipy.categorical.length, cases.categorical.length);
    cases.categorical.forEach((c, i) => {
      const expected = scipy.categorical[i]!;
      const result = categoricalFeatureDrift(c.name, c.reference, c.current);
      assert.equal(result.chiSquared?.degreesOfFreedom, expected.dof, `${c.name}: dof`);
      assertStatistic(result.chiSquared?.statistic, expected.chiSquared, `${c.name}: χ²`);
      assertPValue(result.chiSquared?.pValue, expected.chiSquaredPValue, `${c.name}: χ² p-value`);
      assertStatistic(result.jensenShannon?.distance, expected.jensenShannon, `${c.name}: JS distance`);
      assertStatistic(result.unseen?.share, expected.unseenShare, `${c.name}: unseen share`);
    });
    t.diagnostic(`${cases.categorical.length} categorical cases`);
  });

  it('the one-sample KS distribution (kstwo.sf) across all of its algorithms', (t) => {
    if (skipReason) return t.skip(skipReason);
    cases.kstwo.forEach(([n, x], i) => assertPValue(kolmogorovSmirnovSurvival(n, x), scipy.kstwo[i]!, `kstwo.sf(${x}, ${n})`));
    t.diagnostic(`${cases.kstwo.length} (n, x) points`);
  });

  it('the chi-squared survival function (chi2.sf)', (t) => {
    if (skipReason) return t.skip(skipReason);
    cases.chi2.forEach(([dof, x], i) => assertPValue(chiSquaredSurvival(x, dof), scipy.chi2[i]!, `chi2.sf(${x}, ${dof})`));
    t.diagnostic(`${cases.chi2.length} (dof, x) points`);
  });
});

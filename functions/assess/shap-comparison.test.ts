import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareShapImportance, descendingRanks, kendallTauB, spearmanRho } from './shap-comparison.js';

describe('ranking similarity', () => {
  // Expected values from scipy.stats.spearmanr / kendalltau (scipy 1.17.1) on the same vectors.
  const a = [0.3, 0.1, 0.05, 0.2, 0.05, 0.01];
  const b = [0.25, 0.2, 0.02, 0.15, 0.03, 0.01];

  it('Spearman ρ and Kendall τ-b match scipy, ties included', () => {
    assert.ok(Math.abs(spearmanRho(a, b) - 0.9276336570439174) < 1e-12);
    assert.ok(Math.abs(kendallTauB(a, b) - 0.8280786712108251) < 1e-12);
  });

  it('a reversed ranking gives −1 for both', () => {
    assert.equal(spearmanRho([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    assert.equal(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1]), -1);
  });

  it('ranks are 1 for the largest value and ties share their mean position', () => {
    assert.deepEqual(descendingRanks([0.1, 0.5, 0.1, 0.9]), [3.5, 2, 3.5, 1]);
  });
});

describe('compareShapImportance', () => {
  it('reports each feature with both importances and its rank change, newest ranking first', () => {
    // Act
    const c = compareShapImportance({
      champion: { version: '1', meanAbs: { house_size: 0.2, zip3: 0.1, state: 0.05 } },
      challenger: { version: '2', meanAbs: { house_size: 0.2, zip3: 0.3, state: 0.01 } },
      rows: 100,
      evaluatedOn: 'batch 4',
    });
    // Assess
    assert.deepEqual(c.features.map((f) => [f.feature, f.championRank, f.challengerRank, f.rankChange]), [
      ['zip3', 2, 1, 1],
      ['house_size', 1, 2, -1],
      ['state', 3, 3, 0],
    ]);
    assert.equal(c.spearman, 0.5);
  });
});

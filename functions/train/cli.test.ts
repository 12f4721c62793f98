// `casa train --csv` and `casa predict` on the real realtor sample and holdout (skipped loudly
// without ../shared/data), plus rows predict must refuse with a reason.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Command } from 'commander';
import { checkModelDirectory } from '../../packages/model-format/index.js';
import { registerPredictCommand } from '../../packages/model-format/cli.js';
import { Duck, sqlString } from '../../packages/duckdb/index.js';
import { registerTrainCommand } from './cli.js';

const DATA = resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data');
const SAMPLE = join(DATA, 'realtor-sample.csv');
const HOLDOUT = join(DATA, 'realtor-holdout.csv');
const skip = existsSync(SAMPLE) && existsSync(HOLDOUT) ? false : `${DATA}/realtor-{sample,holdout}.csv absent`;
if (skip) console.warn(`SKIPPED: casa train --csv / casa predict on real data: ${skip}`);

async function run(args: string[]): Promise<string[]> {
  const lines: string[] = [];
  const program = new Command('casa').exitOverride();
  const io = { out: (t: string) => lines.push(...t.trimEnd().split('\n')), err: () => undefined };
  registerTrainCommand(program, io);
  registerPredictCommand(program, io);
  await program.parseAsync(['node', 'casa', ...args]);
  return lines;
}

describe('casa train --csv and casa predict on the real sample', { skip }, () => {
  let work: string;
  let trained: { holdout: { rmse_log: number; mape: number; r2_log: number }; baseline_holdout: { rmse_log: number }; rows: { train: number } };
  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'casa-train-cli-'));
    const lines = await run(['train', '--csv', SAMPLE, '--out', join(work, 'model')]);
    trained = JSON.parse(lines[lines.length - 1]!);
  });
  after(() => rm(work, { recursive: true, force: true }));

  it('trains, prints its metrics as one JSON object on the last line and writes a usable model directory', async () => {
    // Assess
    assert.ok(trained.rows.train > 5000);
    assert.ok(trained.holdout.rmse_log < trained.baseline_holdout.rmse_log, 'beats the per-state median');
    const dir = await checkModelDirectory(join(work, 'model'));
    assert.equal(dir.featureSpec.target.transform, 'log');
    assert.match(await readFile(join(work, 'model', 'MLmodel'), 'utf8'), /loader_module: mlflow\.xgboost/);
    console.log(`real sample: holdout rmse_log ${trained.holdout.rmse_log.toFixed(4)}, mape ${(trained.holdout.mape * 100).toFixed(1)} %, r2_log ${trained.holdout.r2_log.toFixed(3)}; baseline ${trained.baseline_holdout.rmse_log.toFixed(4)}`);
  });

  it('scores the independent holdout: every row written back with predicted_price; its error is close to the training holdout', async () => {
    // Act
    const out = join(work, 'scored.csv');
    const lines = await run(['predict', '--model', join(work, 'model'), '--csv', HOLDOUT, '--out', out]);
    const summary = JSON.parse(lines[lines.length - 1]!) as { rows: number; scored: number };
    // Assess
    const duck = await Duck.open();
    try {
      const [r] = await duck.all<{ n: bigint; priced: bigint; rmse_log: number }>(
        `SELECT count(*) AS n, count(predicted_price) AS priced,
                sqrt(avg(CASE WHEN TRY_CAST(price AS DOUBLE) > 0 THEN (ln(TRY_CAST(price AS DOUBLE)) - ln(predicted_price)) ^ 2 END)) AS rmse_log
         FROM read_csv(${sqlString(out)}, header = true, all_varchar = false)`,
      );
      const [input] = await duck.all<{ n: bigint }>(`SELECT count(*) AS n FROM read_csv(${sqlString(HOLDOUT)}, header = true)`);
      assert.equal(r!.n, input!.n);
      assert.equal(Number(r!.n), summary.rows);
      assert.ok(Number(r!.priced) > 0.95 * Number(r!.n));
      assert.ok(r!.rmse_log < trained.holdout.rmse_log * 1.25, `independent holdout rmse_log ${r!.rmse_log}`);
      console.log(`realtor-holdout.csv: ${r!.n} rows, ${r!.priced} priced, rmse_log ${r!.rmse_log.toFixed(4)}`);
    } finally {
      duck.close();
    }
  });

  it('rows it cannot score keep an empty prediction and a reason', async () => {
    // Prepare
    const csv = join(work, 'bad.csv');
    await writeFile(csv, [
      'brokered_by,status,price,bed,bath,acre_lot,street,city,state,zip_code,house_size,prev_sold_date',
      '1.0,for_sale,,3,2,0.2,5.0,Boston,Massachusetts,02118,1500.0,2010-05-01',
      '1.0,for_sale,,3,2,0.2,5.0,Springfield,Atlantis,99999,1500.0,',
      '1.0,on_hold,,three,2,0.2,5.0,"Boston, MA",Massachusetts,02118,-5,',
    ].join('\n'));
    const out = join(work, 'bad-scored.csv');
    // Act
    await run(['predict', '--model', join(work, 'model'), '--csv', csv, '--out', out]);
    // Assess
    const duck = await Duck.open();
    try {
      const rows = await duck.all<{ predicted_price: number | null; reason: string | null; city: string }>(`SELECT predicted_price, reason, city FROM read_csv(${sqlString(out)}, header = true)`);
      assert.equal(rows.length, 3);
      assert.ok(rows[0]!.predicted_price! > 50_000 && rows[0]!.reason === null);
      assert.equal(rows[1]!.predicted_price, null);
      assert.equal(rows[1]!.reason, 'unknown_state');
      assert.equal(rows[2]!.predicted_price, null);
      assert.equal(rows[2]!.reason, 'bed_not_a_number;unknown_status;negative_house_size');
      assert.equal(rows[2]!.city, 'Boston, MA');
    } finally {
      duck.close();
    }
  });
});

/**
 * Test fixture: simulator batches written straight into a lake's `clean_listings`, typed the
 * way functions/clean types them (5-character zip, integer ids, dates), with its obvious
 * validation (price ≥ $1,000, plausible sizes) and exact duplicates removed. Used by the train
 * and promote tests so they do not depend on the ingest/clean pipeline.
 */
import { createHash } from 'node:crypto';
import type { Lake } from '../../packages/lake/index.js';
import { createSimulator } from '../../packages/simulator/index.js';

export function cleanRowsOfBatch(sim: ReturnType<typeof createSimulator>, batch: number): Record<string, unknown>[] {
  const seen = new Set<string>();
  const rows: Record<string, unknown>[] = [];
  let rowIndex = 0;
  for (const r of sim.generateBatch(batch)) {
    const index = rowIndex++;
    const zip = r.zip_code === null ? null : String(Math.round(r.zip_code)).padStart(5, '0');
    const bad =
      r.price < 1000 ||
      (r.house_size !== null && (r.house_size < 100 || r.house_size > 100_000)) ||
      (r.acre_lot !== null && r.acre_lot > 10_000) ||
      (r.bed !== null && r.bed > 15) ||
      (r.bath !== null && r.bath > 15) ||
      (r.house_size !== null && r.price / r.house_size > 20_000);
    if (bad) continue;
    const identity = [r.brokered_by, r.street, r.city, r.state, zip, r.bed, r.bath, r.acre_lot, r.house_size].join('|');
    const recordHash = createHash('md5').update(`${identity}|${r.status}|${r.price}|${r.prev_sold_date}`).digest('hex');
    if (seen.has(recordHash)) continue;
    seen.add(recordHash);
    rows.push({
      batch_ordinal: batch,
      row_index: index,
      listing_id: createHash('md5').update(identity).digest('hex'),
      record_hash: recordHash,
      brokered_by: r.brokered_by === null ? null : Math.round(r.brokered_by),
      status: r.status,
      price: r.price,
      bed: r.bed === null ? null : Math.round(r.bed),
      bath: r.bath === null ? null : Math.round(r.bath),
      acre_lot: r.acre_lot,
      street: r.street === null ? null : Math.round(r.street),
      city: r.city,
      state: r.state,
      zip_code: zip,
      house_size: r.house_size,
      prev_sold_date: r.prev_sold_date,
    });
  }
  return rows;
}

/** Writes simulator batches `batches` into the lake's clean_listings (one commit per batch). */
export async function writeSimulatedCleanBatches(lake: Lake, sim: ReturnType<typeof createSimulator>, batches: number[]): Promise<number[]> {
  const counts: number[] = [];
  for (const b of batches) {
    const rows = cleanRowsOfBatch(sim, b);
    await lake.writeTable('clean_listings', rows, { batch_ordinal: String(b) }, { replace: true });
    counts.push(rows.length);
  }
  return counts;
}

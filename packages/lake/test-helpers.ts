/** Shared fixtures for the lake's tests (not part of the public API). */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableSpec } from '../../lake-layout/tables.js';

/** A small layout for protocol tests, independent of the real tables' columns. */
export const TEST_TABLES: Record<string, TableSpec> = {
  events: {
    doc: 'test table',
    partitionBy: ['day'],
    columns: [
      { name: 'day', type: 'VARCHAR' },
      { name: 'writer', type: 'INTEGER' },
      { name: 'n', type: 'INTEGER' },
      { name: 'note', type: 'VARCHAR' },
    ],
  },
  batches: {
    doc: 'test table partitioned by an integer',
    partitionBy: ['batch_ordinal'],
    columns: [
      { name: 'batch_ordinal', type: 'INTEGER' },
      { name: 'value', type: 'DOUBLE' },
    ],
  },
};

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `casa-${prefix}-`));
}

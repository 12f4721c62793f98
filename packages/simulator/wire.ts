import { z } from 'zod';

/**
 * The data API's wire format, as the real server sends it (FastAPI JSONResponse:
 * compact separators, UTF-8 unescaped). Every number is a JSON float, IDs included;
 * zip codes lose their leading zero (`00601` → `601.0`). A missing value is JSON
 * `null` — the only way FastAPI can send one (it refuses NaN) — and may appear in any
 * field but `status`, `price`, `city` and `state` here.
 */
export const RECORD_FIELDS = [
  'brokered_by',
  'status',
  'price',
  'bed',
  'bath',
  'acre_lot',
  'street',
  'city',
  'state',
  'zip_code',
  'house_size',
  'prev_sold_date',
] as const;

const num = z.number();
const nullableNum = z.number().nullable();

export const DataRecordSchema = z.strictObject({
  brokered_by: nullableNum,
  status: z.string(),
  price: num,
  bed: nullableNum,
  bath: nullableNum,
  acre_lot: nullableNum,
  street: nullableNum,
  city: z.string(),
  state: z.string(),
  zip_code: nullableNum,
  house_size: nullableNum,
  prev_sold_date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .nullable(),
});
export type DataRecord = z.infer<typeof DataRecordSchema>;

export const DataResponseSchema = z.strictObject({
  group_number: z.number().int(),
  batch_number: z.number().int(),
  data: z.array(DataRecordSchema),
});
export type DataResponse = z.infer<typeof DataResponseSchema>;

export const EXHAUSTED_DETAIL = 'Ya se recolectó toda la información mínima necesaria';
export const INVALID_GROUP_DETAIL = 'Número de grupo inválido';

/** A number as Python's float repr writes it for the values the simulator produces (|x| < 1e16). */
export function pyFloat(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

export function pyFloatOrNull(x: number | null): string {
  return x === null ? 'null' : pyFloat(x);
}

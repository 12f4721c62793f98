// Property-based fuzzing of predict's HTTP surface, in process (app.request): 10,000 invalid
// payloads must all get a 4xx problem+json, 10,000 valid ones a 200 with finite prices.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { STATES, STATUSES } from '../../packages/features/index.js';
import { createPredictApp } from './handler.js';
import { LISTING_BOUNDS, MAX_BATCH, MAX_BODY_BYTES } from './listing-schema.js';
import { ModelHolder } from './model-holder.js';
import { memoryModelSource, trainFixtureModel } from './test-fixtures.js';

const RUNS = 10_000;
const TODAY = new Date().toISOString().slice(0, 10);

const orNull = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 8 });
const isoDate = fc.date({ min: new Date(`${LISTING_BOUNDS.minPrevSoldDate}T00:00:00Z`), max: new Date(`${TODAY}T00:00:00Z`), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));

const validListing = fc.record(
  {
    brokered_by: fc.option(fc.nat(), { nil: null }),
    street: fc.option(fc.nat(), { nil: null }),
    status: fc.constantFrom(...STATUSES),
    bed: orNull(fc.integer({ min: 0, max: LISTING_BOUNDS.maxRooms })),
    bath: orNull(fc.integer({ min: 0, max: LISTING_BOUNDS.maxRooms })),
    acre_lot: orNull(fc.double({ min: 0, max: LISTING_BOUNDS.maxAcreLot, noNaN: true })),
    city: orNull(fc.string({ minLength: 1, maxLength: 100 })),
    state: fc.constantFrom(...STATES),
    zip_code: orNull(fc.oneof(fc.integer({ min: 0, max: 99_999 }).map((n) => String(n).padStart(5, '0')), fc.integer({ min: 0, max: 99_999 }))),
    house_size: orNull(fc.double({ min: LISTING_BOUNDS.minHouseSize, max: LISTING_BOUNDS.maxHouseSize, noNaN: true })),
    prev_sold_date: orNull(isoDate),
  },
  { requiredKeys: ['status', 'bed', 'bath', 'acre_lot', 'city', 'state', 'zip_code', 'house_size', 'prev_sold_date'] },
);

const validBody = fc.oneof({ weight: 4, arbitrary: validListing }, { weight: 1, arbitrary: fc.array(validListing, { minLength: 1, maxLength: 5 }) });

const FIELDS = ['status', 'bed', 'bath', 'acre_lot', 'city', 'state', 'zip_code', 'house_size', 'prev_sold_date'] as const;
const TEXT_FIELDS = new Set<string>(['status', 'state', 'city', 'zip_code', 'prev_sold_date']);
const wrongType = fc.oneof(fc.string(), fc.boolean(), fc.constant([]), fc.constant({}), fc.integer(), fc.constant('NaN'), fc.constant('Infinity'));
/** A value that field `f` must refuse. */
const badValueFor = (f: (typeof FIELDS)[number]): fc.Arbitrary<unknown> => {
  switch (f) {
    case 'status':
      return fc.oneof(fc.string().filter((s) => !(STATUSES as readonly string[]).includes(s)), fc.constant(null), fc.integer());
    case 'state':
      return fc.oneof(fc.string().filter((s) => !(STATES as readonly string[]).includes(s)), fc.constant('massachusetts'), fc.constant(null));
    case 'bed':
    case 'bath':
      return fc.oneof(fc.integer({ max: -1 }), fc.integer({ min: LISTING_BOUNDS.maxRooms + 1 }), fc.double({ min: 0.01, max: 99.99, noNaN: true }).filter((x) => !Number.isInteger(x)), fc.string(), fc.boolean());
    case 'acre_lot':
      return fc.oneof(fc.double({ max: -1e-9, noNaN: true, noDefaultInfinity: true }), fc.double({ min: LISTING_BOUNDS.maxAcreLot + 1, noNaN: true, noDefaultInfinity: true }), fc.string(), fc.boolean());
    case 'house_size':
      return fc.oneof(fc.double({ max: -1e-9, noNaN: true, noDefaultInfinity: true }), fc.double({ min: 0, max: LISTING_BOUNDS.minHouseSize - 0.01, noNaN: true }), fc.double({ min: LISTING_BOUNDS.maxHouseSize + 1, noNaN: true, noDefaultInfinity: true }), fc.string(), fc.constant([1800]));
    case 'city':
      return fc.oneof(fc.constant(''), fc.string({ minLength: 101, maxLength: 120 }), fc.integer(), fc.boolean());
    case 'zip_code':
      return fc.oneof(fc.string().filter((s) => !/^\d{5}$/.test(s)), fc.integer({ min: 100_000 }), fc.integer({ max: -1 }), fc.double({ min: 0.1, max: 99_998.9, noNaN: true }).filter((x) => !Number.isInteger(x)));
    case 'prev_sold_date':
      return fc.oneof(fc.string().filter((s) => !/^\d{4}-\d{2}-\d{2}$/.test(s)), fc.constantFrom('2020-02-30', '1899-12-31', '2999-01-01', '2020-13-01', '2020-7-2'), fc.integer());
  }
};

interface Payload {
  text: string;
  contentType: string | undefined;
  kind: string;
}
const json = (body: unknown, kind: string): Payload => ({ text: JSON.stringify(body), contentType: 'application/json', kind });

const invalidPayload: fc.Arbitrary<Payload> = fc.oneof(
  // one field with a bad value
  fc.tuple(validListing, fc.constantFrom(...FIELDS)).chain(([l, f]) => badValueFor(f).map((v) => json({ ...l, [f]: v }, `bad ${f}`))),
  // a wrong JSON type in any field
  fc
    .tuple(validListing, fc.constantFrom(...FIELDS), wrongType)
    .filter(([, f, v]) => (TEXT_FIELDS.has(f) ? typeof v !== 'string' : typeof v !== 'number') && !(f === 'zip_code' && typeof v === 'number'))
    .map(([l, f, v]) => json({ ...l, [f]: v }, `wrong type ${f}`)),
  // a number JSON can only say as overflow: 1e999 parses to Infinity
  fc.tuple(validListing, fc.constantFrom('bed', 'bath', 'acre_lot', 'house_size', 'brokered_by'), fc.constantFrom('1e999', '-1e999')).map(([l, f, v]) => ({
    text: JSON.stringify({ ...l, [f]: 0 }).replace(`"${f}":0`, `"${f}":${v}`),
    contentType: 'application/json',
    kind: 'infinity',
  })),
  // a required field missing
  fc.tuple(validListing, fc.constantFrom(...FIELDS)).map(([l, f]) => {
    const copy: Record<string, unknown> = { ...l };
    delete copy[f];
    return json(copy, `missing ${f}`);
  }),
  // an extra key, or __proto__ / constructor
  fc.tuple(validListing, fc.oneof(fc.string({ minLength: 1 }).filter((k) => !(FIELDS as readonly string[]).includes(k) && k !== 'brokered_by' && k !== 'street'), fc.constantFrom('__proto__', 'constructor', 'price')), fc.jsonValue()).map(([l, k, v]) => ({
    text: `{${JSON.stringify(k)}:${JSON.stringify(v) ?? 'null'},${JSON.stringify(l).slice(1)}`,
    contentType: 'application/json',
    kind: 'extra key',
  })),
  // malformed JSON: a valid body cut short or with garbage appended
  fc.tuple(validListing, fc.nat()).map(([l, n]) => {
    const t = JSON.stringify(l);
    return { text: t.slice(0, n % (t.length - 1)), contentType: 'application/json', kind: 'truncated' };
  }),
  fc.tuple(validListing, fc.constantFrom('}', ',', 'x', ' NaN', '{}')).map(([l, tail]) => ({ text: JSON.stringify(l) + tail, contentType: 'application/json', kind: 'trailing garbage' })),
  // wrong or missing content type
  fc.tuple(validListing, fc.constantFrom(undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data', 'application/xml', 'application/jsonx')).map(([l, ct]) => ({ text: JSON.stringify(l), contentType: ct, kind: 'content type' })),
  // not a listing at all
  fc.oneof(fc.constant(null), fc.integer(), fc.string(), fc.boolean(), fc.constant([]), fc.array(fc.integer(), { minLength: 1, maxLength: 3 })).map((b) => json(b, 'not a listing')),
  // batches: too many, or one bad element
  validListing.map((l) => json(Array.from({ length: MAX_BATCH + 1 }, () => l), 'batch too large')),
  fc.tuple(fc.array(validListing, { minLength: 1, maxLength: 4 }), fc.constantFrom(...FIELDS), fc.nat()).chain(([ls, f, i]) =>
    badValueFor(f).map((v) => {
      const copy = [...ls];
      copy[i % copy.length] = { ...copy[i % copy.length]!, [f]: v };
      return json(copy, 'batch with a bad element');
    }),
  ),
  // too large
  validListing.map((l) => ({ text: JSON.stringify(l).padEnd(MAX_BODY_BYTES + 10, ' '), contentType: 'application/json', kind: 'too large' })),
);

describe('predict fuzzing (fast-check, in process)', () => {
  let holder: ModelHolder;
  let app: ReturnType<typeof createPredictApp>;
  before(async () => {
    const source = memoryModelSource({ '1': await trainFixtureModel({ seed: 7 }) });
    source.promote('1');
    holder = new ModelHolder(source, { refreshMs: 60_000, log: () => undefined });
    holder.start();
    await holder.waitUntilReady();
    app = createPredictApp({ holder });
  });
  after(() => holder.close());

  it(`answers ${RUNS} invalid payloads with 4xx problem+json, never 5xx`, async () => {
    let generated = 0;
    const byStatus = new Map<number, number>();
    const kinds = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(invalidPayload, async (p) => {
        generated += 1;
        kinds.set(p.kind, (kinds.get(p.kind) ?? 0) + 1);
        const res = await app.request('/', { method: 'POST', body: p.text, headers: p.contentType ? { 'content-type': p.contentType } : {} });
        byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
        assert.ok(res.status >= 400 && res.status < 500, `${p.kind}: ${res.status} for ${p.text.slice(0, 300)}`);
        assert.equal(res.headers.get('content-type'), 'application/problem+json');
        const body = (await res.json()) as { status: number; errors?: { pointer: string }[] };
        assert.equal(body.status, res.status);
        if (res.status === 422) assert.ok((body.errors?.length ?? 0) >= 1, 'a 422 names at least one pointer');
      }),
      { numRuns: RUNS, seed: 20261129 },
    );
    assert.equal(generated, RUNS);
    assert.equal([...byStatus.values()].reduce((a, b) => a + b, 0), RUNS);
    assert.ok([...byStatus.keys()].every((s) => s < 500));
    for (const s of [400, 413, 415, 422]) assert.ok((byStatus.get(s) ?? 0) > 0, `status ${s} was exercised`);
    console.log(`fuzz invalid: ${generated} payloads, statuses ${JSON.stringify(Object.fromEntries(byStatus))}, ${kinds.size} kinds`);
  });

  it(`answers ${RUNS} valid payloads with 200 and finite prices`, async () => {
    let generated = 0;
    let priced = 0;
    let nonFinite = 0;
    await fc.assert(
      fc.asyncProperty(validBody, async (b) => {
        generated += 1;
        const res = await app.request('/', { method: 'POST', body: JSON.stringify(b), headers: { 'content-type': 'application/json' } });
        const body = (await res.json()) as { price?: number; predictions?: { price: number }[] };
        assert.equal(res.status, 200, JSON.stringify(body).slice(0, 500));
        const prices = body.predictions ? body.predictions.map((p) => p.price) : [body.price!];
        assert.equal(prices.length, Array.isArray(b) ? b.length : 1);
        for (const p of prices) {
          priced += 1;
          if (!Number.isFinite(p) || p <= 0) nonFinite += 1;
        }
      }),
      { numRuns: RUNS, seed: 20261130 },
    );
    assert.equal(generated, RUNS);
    assert.equal(nonFinite, 0);
    console.log(`fuzz valid: ${generated} payloads, ${priced} listings priced, ${nonFinite} non-finite prices`);
  });
});

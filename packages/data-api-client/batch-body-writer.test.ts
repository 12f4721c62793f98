import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BatchBodyWriter, type WrittenBody } from './batch-body-writer.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'casa-body-'));
});
after(() => rm(dir, { recursive: true, force: true }));

const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');
let n = 0;

/** Writes `body` in pieces cut at `cuts` and returns the result and the file's bytes. */
async function writeBody(body: Buffer, cuts: number[] = []): Promise<{ result: WrittenBody; file: Buffer }> {
  const path = join(dir, `b${n++}`);
  const w = new BatchBodyWriter(path);
  let from = 0;
  for (const c of [...cuts, body.length]) {
    await w.write(body.subarray(from, c));
    from = c;
  }
  const result = await w.finish();
  return { result, file: await readFile(result.path) };
}

const ARRAY = '[{"price":1.0,"city":"Añasco"},{"price":2.5,"city":"São \\"x\\" ]"}]';
const BODY = Buffer.from(`{"group_number":3,"batch_number":7,"data":${ARRAY}}`);

describe('BatchBodyWriter', () => {
  test('keeps exactly the data array bytes, hashes them, and reads group and batch numbers', async () => {
    // Act
    const { result, file } = await writeBody(BODY);
    // Assess
    assert.equal(result.kind, 'array');
    assert.equal(file.toString('utf8'), ARRAY);
    assert.equal(result.sha256, sha(ARRAY));
    assert.equal(result.bytes, Buffer.byteLength(ARRAY));
    assert.equal(result.bodyBytes, BODY.length);
    assert.deepEqual([result.kind === 'array' && result.groupNumber, result.kind === 'array' && result.batchNumber], [3, 7]);
  });

  test('gives the same file and hash wherever the body is cut into pieces (every single split point)', async () => {
    // Prepare: every cut position, including inside "data": and inside multi-byte characters
    let cases = 0;
    for (let cut = 1; cut < BODY.length; cut++) {
      // Act
      const { result, file } = await writeBody(BODY, [cut]);
      // Assess
      assert.equal(result.kind, 'array', `cut at ${cut}`);
      assert.equal(result.sha256, sha(ARRAY), `cut at ${cut}`);
      assert.equal(file.toString('utf8'), ARRAY, `cut at ${cut}`);
      cases++;
    }
    assert.equal(cases, BODY.length - 1);
  });

  test('the content hash ignores the envelope: another batch_number gives the same hash', async () => {
    const other = Buffer.from(`{"group_number":3,"batch_number":0,"data":${ARRAY}}`);
    const [a, b] = [await writeBody(BODY), await writeBody(other)];
    assert.equal(a.result.sha256, b.result.sha256);
    assert.equal(b.result.kind === 'array' && b.result.batchNumber, 0);
  });

  test('accepts "data" before the other envelope keys and whitespace around the colon', async () => {
    const body = Buffer.from(`{"data" : ${ARRAY} , "group_number": 1, "batch_number": 2}`);
    const { result, file } = await writeBody(body, [5, 40]);
    assert.equal(result.kind, 'array');
    assert.equal(file.toString('utf8'), ARRAY);
    assert.equal(result.kind === 'array' && result.batchNumber, 2);
  });

  test('an envelope tail longer than the hash delay is still cut off and hashed correctly', async () => {
    const body = Buffer.from(`{"group_number":1,"batch_number":2,"data":${ARRAY},"note":"${'x'.repeat(200_000)}"}`);
    const { result, file } = await writeBody(body, [1000, 100_000]);
    assert.equal(result.kind, 'array');
    assert.equal(file.toString('utf8'), ARRAY);
    assert.equal(result.sha256, sha(ARRAY));
  });

  test('invalid UTF-8 makes the body unparseable and keeps it whole, even when the bad byte is cut between pieces', async () => {
    // Prepare: a lone continuation byte, and a 3-byte sequence truncated to 2 bytes
    for (const bad of [Buffer.from([0x80]), Buffer.from([0xe2, 0x82])]) {
      const body = Buffer.concat([Buffer.from('{"group_number":1,"batch_number":0,"data":[{"city":"a'), bad, Buffer.from('"}]}')]);
      for (const cut of [body.indexOf(bad[0]!), body.indexOf(bad[0]!) + 1]) {
        // Act
        const { result, file } = await writeBody(body, [cut]);
        // Assess
        assert.equal(result.kind, 'unparseable');
        assert.match(result.kind === 'unparseable' ? result.reason : '', /UTF-8/);
        assert.deepEqual(file, body, 'the whole body is kept');
        assert.equal(result.sha256, sha(body));
      }
    }
  });

  test('valid multi-byte UTF-8 cut between pieces is accepted', async () => {
    const body = Buffer.from('{"group_number":1,"batch_number":0,"data":[{"city":"日本€😀"}]}');
    for (let cut = 48; cut < body.length - 3; cut++) {
      const { result } = await writeBody(body, [cut]);
      assert.equal(result.kind, 'array', `cut at ${cut}`);
    }
  });

  test('bodies that are not a data array are kept whole as unparseable, with the reason', async () => {
    const cases: [string, RegExp][] = [
      ['{"group_number":1,"batch_number":0,"data":[{"a":1},{"a":', /never closed/],
      ['{"group_number":1,"batch_number":0,"data":null}', /"data" is not an array/],
      ['<html>Bad gateway</html>', /not valid JSON/],
      ['', /empty/],
      ['{"group_number":"one","batch_number":0,"data":[]}', /envelope/],
      ['[1,2,3]', /not a JSON object/],
    ];
    for (const [text, reason] of cases) {
      const { result, file } = await writeBody(Buffer.from(text));
      assert.equal(result.kind, 'unparseable', text);
      assert.match(result.kind === 'unparseable' ? result.reason : '', reason, text);
      assert.equal(file.toString('utf8'), text);
      assert.equal(result.sha256, sha(text));
    }
  });

  test('abort removes the partial file', async () => {
    const path = join(dir, 'aborted');
    const w = new BatchBodyWriter(path);
    await w.write(BODY.subarray(0, 60));
    await w.abort();
    await assert.rejects(stat(path), { code: 'ENOENT' });
  });
});

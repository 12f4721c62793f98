/** A separate writer process for local-directory-store.test.ts: commits and counter increments on a shared directory. */
import { Lake } from './lake.js';
import { LocalDirectoryStore } from './local-directory-store.js';
import { PreconditionFailedError } from './errors.js';
import { TEST_TABLES, tempDir } from './test-helpers.js';

const [root, writerText, commitsText, incrementsText] = process.argv.slice(2);
const writer = Number(writerText);
const store = new LocalDirectoryStore(root!);
const lake = new Lake(store, await tempDir('writer-cache'), TEST_TABLES);
const enc = (s: string) => new TextEncoder().encode(s);

async function increment(): Promise<void> {
  for (;;) {
    const cur = (await store.get('counter'))!;
    try {
      await store.putIfMatch('counter', enc(String(Number(new TextDecoder().decode(cur.body)) + 1)), cur.etag);
      return;
    } catch (err) {
      if (!(err instanceof PreconditionFailedError)) throw err;
    }
  }
}

await Promise.all([
  ...Array.from({ length: Number(commitsText) }, (_, i) => lake.commit('events', { metadata: { writer, i }, idempotencyKey: `w${writer}-c${i}` })),
  (async () => {
    for (let i = 0; i < Number(incrementsText); i++) await increment();
  })(),
]);
lake.close();

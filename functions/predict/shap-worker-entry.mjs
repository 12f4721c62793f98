// Entry of the SHAP worker when predict runs from TypeScript sources: a worker does not inherit
// the parent's `--import tsx` loader in Node 20, so register tsx here, then load the worker.
import { workerData } from 'node:worker_threads';

const { register } = await import('tsx/esm/api');
register();
await import(workerData.workerUrl);

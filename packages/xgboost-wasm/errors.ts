import { CasaError } from '../core/errors.js';

/**
 * An error from the XGBoost engine. When XGBoost itself refused the call, `message` is
 * XGBoost's own text (from `XGBGetLastError`) and `xgboostMessage` holds it verbatim;
 * when casa refused the input before calling XGBoost, `origin` is `'casa'`.
 * Status 422: almost every XGBoost error is caused by what the caller passed (shapes,
 * parameters, model bytes); an engine fault (`origin: 'engine'`) maps to 500.
 */
export class XGBoostError extends CasaError {
  override readonly status: number;
  override readonly code: string = 'xgboost';
  /** Who refused: XGBoost's C API, casa's own checks, or the WebAssembly engine (trap). */
  readonly origin: 'xgboost' | 'casa' | 'engine';
  /** The C API function that failed, when there is one. */
  readonly call: string | undefined;
  /** XGBoost's message exactly as `XGBGetLastError` returned it. */
  readonly xgboostMessage: string | undefined;

  constructor(
    message: string,
    options: { origin?: 'xgboost' | 'casa' | 'engine'; call?: string; xgboostMessage?: string; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.origin = options.origin ?? 'casa';
    this.call = options.call;
    this.xgboostMessage = options.xgboostMessage;
    this.status = this.origin === 'engine' ? 500 : 422;
  }
}

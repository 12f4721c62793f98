"""Native XGBoost side of `npm run bench:xgboost`: times one training and one prediction.

Run with the xgboost under test first on PYTHONPATH. One JSON argument:
  {"x": f32 path, "y": f32 path, "nrow": n, "ncol": m, "params": {...}, "rounds": k,
   "nthread": t, "predict_model": optional model path to predict x with, "pred_out": path}
Prints one JSON line: {"version", "lib", "train_s", "predict_s", "train_cpu_s", "predict_cpu_s"}
(wall-clock and process CPU seconds).
"""
import json
import sys
import time

import numpy as np
import xgboost as xgb


def main():
    a = json.loads(sys.argv[1])
    x = np.fromfile(a["x"], dtype="<f4").reshape(a["nrow"], a["ncol"])
    out = {"version": xgb.__version__, "lib": xgb.core._LIB._name}
    if a.get("predict_model"):
        b = xgb.Booster(model_file=a["predict_model"])
        b.set_param({"nthread": a["nthread"]})
        d = xgb.DMatrix(x, missing=np.nan, nthread=a["nthread"], feature_names=b.feature_names)
        b.predict(d).astype("<f4").tofile(a["pred_out"])
        print(json.dumps(out))
        return
    y = np.fromfile(a["y"], dtype="<f4")
    d = xgb.DMatrix(x, label=y, missing=np.nan, nthread=a["nthread"])
    params = dict(a["params"], nthread=a["nthread"])
    t0, c0 = time.perf_counter(), time.process_time()
    b = xgb.train(params, d, num_boost_round=a["rounds"])
    out["train_s"], out["train_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    # A fresh matrix, so prediction is not served from the training prediction cache.
    d2 = xgb.DMatrix(x, missing=np.nan, nthread=a["nthread"])
    t0, c0 = time.perf_counter(), time.process_time()
    b.predict(d2)
    out["predict_s"], out["predict_cpu_s"] = time.perf_counter() - t0, time.process_time() - c0
    print(json.dumps(out))


if __name__ == "__main__":
    main()

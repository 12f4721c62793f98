"""Reference side of the interoperability tests: Python's xgboost and shap.

Called by interop.test.ts with one JSON argument; matrices travel as raw little-endian
float32 files (row-major). Prints one JSON line with versions and output paths.

  {"cmd": "predict", "model": path, "x": path, "nrow": n, "ncol": m, "out": path}
  {"cmd": "shap",    "model": path, "x": path, "nrow": n, "ncol": m, "out": path}
  {"cmd": "train",   "x": path, "y": path, "nrow": n, "ncol": m, "params": {...},
                     "rounds": k, "model_json": path, "model_ubj": path, "out": path}
"""
import json
import sys

import numpy as np
import xgboost as xgb


def load_x(a):
    return np.fromfile(a["x"], dtype="<f4").reshape(a["nrow"], a["ncol"])


def main():
    a = json.loads(sys.argv[1])
    info = {"xgboost": xgb.__version__}
    if a["cmd"] == "predict":
        b = xgb.Booster(model_file=a["model"])
        b.set_param({"nthread": 1})
        d = xgb.DMatrix(load_x(a), missing=np.nan, feature_names=b.feature_names)
        p = b.predict(d, output_margin=a.get("margin", False))
        p.astype("<f4").tofile(a["out"])
    elif a["cmd"] == "shap":
        import shap

        info["shap"] = shap.__version__
        b = xgb.Booster(model_file=a["model"])
        explainer = shap.TreeExplainer(b)
        sv = np.asarray(explainer.shap_values(load_x(a)), dtype="<f8")
        sv.tofile(a["out"])
        info["expected_value"] = float(np.asarray(explainer.expected_value).reshape(-1)[0])
    elif a["cmd"] == "train":
        x = load_x(a)
        y = np.fromfile(a["y"], dtype="<f4")
        d = xgb.DMatrix(x, label=y, missing=np.nan)
        b = xgb.train(a["params"], d, num_boost_round=a["rounds"])
        b.save_model(a["model_json"])
        b.save_model(a["model_ubj"])
        b.predict(d).astype("<f4").tofile(a["out"])
    else:
        raise SystemExit(f"unknown cmd {a['cmd']}")
    print(json.dumps(info))


if __name__ == "__main__":
    main()

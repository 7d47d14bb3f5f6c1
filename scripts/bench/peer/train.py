"""Trains the three model classes of `npm run bench:peer` on the template dataset and writes each
twice: as the previous design served it (joblib pickle) and as ONNX for the Node handler, built with
python3-onnx's helper API (skl2onnx is not packaged by Debian).

  linear  LinearRegression on the raw features                 -> MatMul + Add
  mlp     StandardScaler + MLPRegressor(64, 64, relu), targets
          standardised too (TransformedTargetRegressor)        -> Sub, Mul, (MatMul, Add, Relu)x2,
                                                                  MatMul, Add, Mul, Add
  forest  RandomForestRegressor(n_estimators, max_depth)       -> ai.onnx.ml TreeEnsembleRegressor
                                                                  (n_targets 7, AVERAGE)

Every ONNX model meets docs/model-contract.md: one float32 input [N, 6] with a symbolic batch
dimension, first output float32 [N, 7], metadata_props features/targets/model_name/... For the
equivalence check in peer.ts it also writes <kind>.check.json: rows (float32-exact values) and
scikit-learn's predictions for them.

Usage: /usr/bin/python3 -B -E -s train.py TEMPLATE.json OUT_DIR N_TREES MAX_DEPTH CHECK_ROWS SEED
Prints one JSON object (what was trained, sizes, versions) on stdout.
"""
import hashlib
import json
import os
import platform
import sys
import time
from datetime import datetime, timezone

import joblib
import numpy as np
import onnx
import sklearn
from onnx import TensorProto, helper, numpy_helper
from sklearn.compose import TransformedTargetRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from handler import FEATURES, INPUT_RANGES, TARGETS

N_IN = len(FEATURES)
N_OUT = len(TARGETS)
OPSET = 17
ML_OPSET = 3
IR_VERSION = 8


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def f32(a):
    return np.asarray(a, dtype=np.float32)


def init(name, array):
    return numpy_helper.from_array(f32(array), name)


def contract_model(name, nodes, initializers, output, metadata, ml=False):
    """Wraps nodes into a model with the contract's input/output and metadata_props."""
    graph = helper.make_graph(
        nodes,
        name,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", N_IN])],
        [helper.make_tensor_value_info(output, TensorProto.FLOAT, ["N", N_OUT])],
        initializers,
    )
    opsets = [helper.make_opsetid("", OPSET)]
    if ml:
        opsets.append(helper.make_opsetid("ai.onnx.ml", ML_OPSET))
    model = helper.make_model(graph, opset_imports=opsets, producer_name="hypermob bench:peer")
    model.ir_version = IR_VERSION
    helper.set_model_props(model, metadata)
    onnx.checker.check_model(model, full_check=True)
    return model


def linear_onnx(est, metadata):
    # y = x @ coef.T + intercept
    nodes = [
        helper.make_node("MatMul", ["input", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["output"]),
    ]
    inits = [init("W", est.coef_.T), init("b", est.intercept_)]
    return contract_model("linear", nodes, inits, "output", metadata)


def mlp_onnx(est, metadata):
    pipe = est.regressor_  # fitted Pipeline(StandardScaler, MLPRegressor)
    x_scaler = pipe.named_steps["scale"]
    mlp = pipe.named_steps["mlp"]
    y_scaler = est.transformer_
    if mlp.activation != "relu" or mlp.out_activation_ != "identity":
        raise ValueError(f"unsupported MLP activations {mlp.activation}/{mlp.out_activation_}")
    nodes = [
        helper.make_node("Sub", ["input", "x_mean"], ["x_centred"]),
        helper.make_node("Mul", ["x_centred", "x_inv_scale"], ["h0"]),
    ]
    inits = [init("x_mean", x_scaler.mean_), init("x_inv_scale", 1.0 / x_scaler.scale_)]
    last = len(mlp.coefs_) - 1
    h = "h0"
    for i, (w, b) in enumerate(zip(mlp.coefs_, mlp.intercepts_)):
        inits += [init(f"W{i}", w), init(f"b{i}", b)]
        nodes += [
            helper.make_node("MatMul", [h, f"W{i}"], [f"z{i}"]),
            helper.make_node("Add", [f"z{i}", f"b{i}"], [f"a{i}"]),
        ]
        h = f"a{i}"
        if i < last:
            nodes.append(helper.make_node("Relu", [h], [f"r{i}"]))
            h = f"r{i}"
    nodes += [
        helper.make_node("Mul", [h, "y_scale"], ["y_scaled"]),
        helper.make_node("Add", ["y_scaled", "y_mean"], ["output"]),
    ]
    inits += [init("y_scale", y_scaler.scale_), init("y_mean", y_scaler.mean_)]
    return contract_model("mlp", nodes, inits, "output", metadata)


def float32_thresholds(thresholds):
    """float32 thresholds that split float32 inputs exactly as scikit-learn's float64 ones do.

    sklearn compares a float32 feature x with a float64 threshold t; ONNX compares with a float32.
    Rounding t to nearest can land on the float32 just above it (a threshold half-way between two
    adjacent float32 training values does), sending that x left instead of right. The largest float32
    not above t, f, gives x <= t  <=>  x <= f for every float32 x.
    """
    t64 = np.asarray(thresholds, dtype=np.float64)
    t32 = t64.astype(np.float32)
    above = t32.astype(np.float64) > t64
    t32[above] = np.nextafter(t32[above], np.float32(-np.inf))
    return t32


def forest_onnx(est, metadata):
    """One TreeEnsembleRegressor node from the fitted trees' `tree_` arrays.

    sklearn: x[feature] <= threshold goes to children_left, a leaf's value[node, k, 0] is target k's
    prediction, and the forest averages its trees -> BRANCH_LEQ, true = left, AVERAGE.
    """
    cols = {k: [] for k in ("treeids", "nodeids", "featureids", "values", "modes", "true", "false")}
    targets = {k: [] for k in ("treeids", "nodeids", "ids", "weights")}
    for t, tree_est in enumerate(est.estimators_):
        tree = tree_est.tree_
        n = tree.node_count
        ids = np.arange(n)
        leaf = tree.children_left == -1
        cols["treeids"].append(np.full(n, t))
        cols["nodeids"].append(ids)
        cols["featureids"].append(np.where(leaf, 0, tree.feature))
        cols["values"].append(np.where(leaf, 0.0, tree.threshold))
        cols["modes"].append(np.where(leaf, "LEAF", "BRANCH_LEQ"))
        cols["true"].append(np.where(leaf, 0, tree.children_left))
        cols["false"].append(np.where(leaf, 0, tree.children_right))
        leaves = ids[leaf]
        values = tree.value[leaves, :, 0]  # [leaves, n_outputs]
        targets["treeids"].append(np.full(leaves.size * N_OUT, t))
        targets["nodeids"].append(np.repeat(leaves, N_OUT))
        targets["ids"].append(np.tile(np.arange(N_OUT), leaves.size))
        targets["weights"].append(values.reshape(-1))
    cat = {k: np.concatenate(v) for k, v in cols.items()}
    tcat = {k: np.concatenate(v) for k, v in targets.items()}
    node = helper.make_node(
        "TreeEnsembleRegressor",
        ["input"],
        ["output"],
        domain="ai.onnx.ml",
        n_targets=N_OUT,
        aggregate_function="AVERAGE",
        post_transform="NONE",
        nodes_treeids=cat["treeids"].astype(int).tolist(),
        nodes_nodeids=cat["nodeids"].astype(int).tolist(),
        nodes_featureids=cat["featureids"].astype(int).tolist(),
        nodes_values=float32_thresholds(cat["values"]).tolist(),
        nodes_modes=cat["modes"].tolist(),
        nodes_truenodeids=cat["true"].astype(int).tolist(),
        nodes_falsenodeids=cat["false"].astype(int).tolist(),
        nodes_missing_value_tracks_true=[0] * cat["nodeids"].size,
        target_treeids=tcat["treeids"].astype(int).tolist(),
        target_nodeids=tcat["nodeids"].astype(int).tolist(),
        target_ids=tcat["ids"].astype(int).tolist(),
        target_weights=f32(tcat["weights"]).tolist(),
    )
    return contract_model("forest", [node], [], "output", metadata, ml=True)


def check_rows(x, n, seed):
    """Half template rows, half uniform over the API's plausible ranges; float32-exact values."""
    rng = np.random.default_rng(seed)
    picked = x[rng.choice(len(x), size=n - n // 2, replace=False)]
    low = np.array([INPUT_RANGES[f][0] for f in FEATURES], dtype=np.float64)
    high = np.array([INPUT_RANGES[f][1] for f in FEATURES], dtype=np.float64)
    uniform = low + rng.random((n // 2, N_IN)) * (high - low)
    return np.vstack([picked, uniform]).astype(np.float32).astype(np.float64)


def main():
    template, out_dir, n_trees, max_depth, n_check, seed = sys.argv[1:7]
    n_trees, n_check, seed = int(n_trees), int(n_check), int(seed)
    max_depth = None if max_depth in ("none", "None", "") else int(max_depth)
    raw = open(template, "rb").read()
    data = json.loads(raw)
    records = data["records"]
    # The features/targets in canonical contract order (like toMatrices in functions/shared/dataset.ts).
    x = np.array([[r[f] for f in FEATURES] for r in records], dtype=np.float64)
    y = np.array([[r[t] for t in TARGETS] for r in records], dtype=np.float64)
    data_sha = hashlib.sha256(raw).hexdigest()
    trained_at = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    specs = {
        "linear": (
            lambda: LinearRegression(),
            linear_onnx,
            {"estimator": "LinearRegression", "fit_intercept": True, "features": "raw"},
        ),
        "mlp": (
            lambda: TransformedTargetRegressor(
                regressor=Pipeline(
                    [
                        ("scale", StandardScaler()),
                        (
                            "mlp",
                            MLPRegressor(
                                hidden_layer_sizes=(64, 64),
                                activation="relu",
                                solver="adam",
                                alpha=1e-4,
                                max_iter=500,
                                early_stopping=True,
                                random_state=seed,
                            ),
                        ),
                    ]
                ),
                transformer=StandardScaler(),
            ),
            mlp_onnx,
            {
                "estimator": "TransformedTargetRegressor(Pipeline(StandardScaler, MLPRegressor))",
                "hidden_layer_sizes": [64, 64],
                "activation": "relu",
                "solver": "adam",
                "alpha": 1e-4,
                "max_iter": 500,
                "early_stopping": True,
                "target_scaler": "StandardScaler",
            },
        ),
        "forest": (
            lambda: RandomForestRegressor(
                n_estimators=n_trees, max_depth=max_depth, random_state=seed, n_jobs=-1
            ),
            forest_onnx,
            {
                "estimator": "RandomForestRegressor",
                "n_estimators": n_trees,
                "max_depth": max_depth,
                "min_samples_leaf": 1,
                "max_features": 1.0,
                "bootstrap": True,
                "n_jobs_when_serving": None,
            },
        ),
    }

    rows = check_rows(x, n_check, seed)
    summary = {
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "joblib": joblib.__version__,
        "onnx": onnx.__version__,
        "training_rows": len(records),
        "training_data_sha256": data_sha,
        "models": {},
    }
    for kind, (make, to_onnx, params) in specs.items():
        t = time.perf_counter()
        est = make().fit(x, y)
        fit_s = time.perf_counter() - t
        if kind == "forest":
            # Trained on every core; served one request at a time, where joblib's thread pool per
            # predict call would only add overhead.
            est.n_jobs = None
            params["total_tree_nodes"] = int(sum(e.tree_.node_count for e in est.estimators_))
        if kind == "mlp":
            mlp = est.regressor_.named_steps["mlp"]
            params["n_iter"] = int(mlp.n_iter_)
        joblib_path = os.path.join(out_dir, f"{kind}.joblib")
        joblib.dump(est, joblib_path)
        metadata = {
            "features": json.dumps(list(FEATURES)),
            "targets": json.dumps(list(TARGETS)),
            "model_name": f"bench-peer-{kind}",
            "trained_at": trained_at,
            "training_data_sha256": data_sha,
            "reference_vehicle": json.dumps(data["reference_vehicle"]),
        }
        model = to_onnx(est, metadata)
        onnx_path = os.path.join(out_dir, f"{kind}.onnx")
        onnx.save(model, onnx_path)
        predicted = est.predict(rows)
        with open(os.path.join(out_dir, f"{kind}.check.json"), "w", encoding="utf-8") as f:
            json.dump({"rows": rows.tolist(), "predicted": predicted.tolist()}, f)
        # In-sample fit, only to show each model learnt something (not a model comparison).
        rmse = np.sqrt(((est.predict(x) - y) ** 2).mean(axis=0))
        summary["models"][kind] = {
            "params": params,
            "fit_seconds": round(fit_s, 3),
            "train_rmse": dict(zip(TARGETS, np.round(rmse, 3).tolist())),
            "joblib_path": joblib_path,
            "joblib_bytes": os.path.getsize(joblib_path),
            "onnx_path": onnx_path,
            "onnx_bytes": os.path.getsize(onnx_path),
        }
        log(
            f"trained {kind} in {fit_s:.1f} s: joblib {os.path.getsize(joblib_path)} B, "
            f"ONNX {os.path.getsize(onnx_path)} B"
        )
    json.dump(summary, sys.stdout)


main()

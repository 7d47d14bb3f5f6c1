"""The previous design of POST /recommend, rebuilt for `npm run bench:peer`: a Python Lambda that
loads a scikit-learn model with joblib once per environment and calls `predict` per request.

API Gateway REST proxy event in, proxy result out, the same shape of answer as the Node handler
(status 200 + `{"status":"success","data":{<seven targets>}}`, 4xx for a bad body). It validates the
body against the same plausible ranges and clamps to the same actuator ranges as
functions/shared/contract.ts, so both sides do comparable work per request; it has no metrics,
logging, or model identity in the answer (the Node handler has all three).

Run with Debian's /usr/bin/python3 (python3-sklearn, python3-joblib, python3-numpy).
"""
import base64
import json
import math
import os

import joblib
import numpy as np

# Canonical order (functions/shared/contract.ts FEATURES / TARGETS).
FEATURES = ("height", "upper_arm", "forearm", "thigh", "calf", "torso")
TARGETS = (
    "seat_position",
    "seat_height",
    "seat_angle",
    "steering_tilt",
    "steering_reach",
    "mirror_tilt",
    "mirror_pan",
)
# PLAUSIBLE_INPUT_RANGES (cm) and ACTUATOR_RANGES of functions/shared/contract.ts.
INPUT_RANGES = {
    "height": (130, 220),
    "upper_arm": (20, 50),
    "forearm": (15, 40),
    "thigh": (30, 70),
    "calf": (25, 60),
    "torso": (40, 80),
}
ACTUATOR_RANGES = (
    (0, 240),
    (0, 60),
    (107, 120),
    (0, 100),
    (0, 100),
    (-100, 100),
    (-100, 100),
)
HEADERS = {"Content-Type": "application/json"}

MODEL = None


def load(path=None):
    """What the Lambda did at import (init phase): joblib.load of the pickled estimator."""
    global MODEL
    MODEL = joblib.load(path or os.environ["MODEL_PATH"])
    return MODEL


def _answer(status, body):
    return {"statusCode": status, "headers": HEADERS, "body": json.dumps(body, separators=(",", ":"))}


def _refuse(status, code, message):
    return _answer(status, {"status": "error", "error": {"code": code, "message": message}})


def handler(event, context):
    if event.get("httpMethod") != "POST":
        return _refuse(405, "method_not_allowed", "use POST")
    body = event.get("body") or ""
    if event.get("isBase64Encoded"):
        body = base64.b64decode(body).decode("utf-8")
    try:
        request = json.loads(body)
    except ValueError:
        return _refuse(400, "invalid_json", "body is not JSON")
    if not isinstance(request, dict):
        return _refuse(400, "invalid_body", "body must be a JSON object")
    row = []
    for name in FEATURES:
        value = request.get(name)
        if value is None:
            return _refuse(400, "missing_field", f"{name} is required")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            return _refuse(400, "invalid_type", f"{name} must be a finite number")
        low, high = INPUT_RANGES[name]
        if not low <= value <= high:
            return _refuse(400, "out_of_range", f"{name} must be between {low} and {high} cm")
        row.append(float(value))

    predicted = MODEL.predict(np.array([row], dtype=np.float64))[0]

    data = {}
    clamped = []
    for name, value, (low, high) in zip(TARGETS, predicted.tolist(), ACTUATOR_RANGES):
        if not math.isfinite(value):
            return _refuse(500, "inference_failed", "the model returned an invalid value")
        bounded = min(max(value, low), high)
        if bounded != value:
            clamped.append(name)
        data[name] = round(bounded, 3)
    out = {"status": "success", "data": data}
    if isinstance(request.get("user_id"), str):
        out["user_id"] = request["user_id"]
    if clamped:
        out["clamped"] = clamped
    return _answer(200, out)

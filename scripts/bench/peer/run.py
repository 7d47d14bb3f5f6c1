"""One peer environment for `npm run bench:peer` (spawned by scripts/bench/peer.ts).

Imports the previous design's handler, loads the joblib model, calls `handler(event, context)` once
(cold), `warmup` times unmeasured, then `calls` times each timed on its own with
time.perf_counter_ns. Prints one JSON object on stdout; the durations are returned raw (ns) so the
Node side computes percentiles for both designs with the same code.

Usage: /usr/bin/python3 -B -E -s run.py MODEL.joblib EVENT.json CALLS WARMUP
"""
import sys
import time

t0 = time.perf_counter_ns()
import handler  # noqa: E402  (json, numpy, joblib: the handler module's own imports)

import_ns = time.perf_counter_ns() - t0

import json  # noqa: E402
import resource  # noqa: E402

import joblib  # noqa: E402


class Context:
    aws_request_id = "bench"
    function_name = "hypermob-recommend-python"
    memory_limit_in_mb = 1024
    invoked_function_arn = "arn:aws:lambda:eu-central-1:123456789012:function:hypermob-recommend-python:live"

    @staticmethod
    def get_remaining_time_in_millis():
        return 10_000


def main():
    model_path, event_path, calls, warmup = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    with open(event_path, encoding="utf-8") as f:
        event = json.load(f)
    context = Context()

    # First load in this process: unpickling also imports the sklearn modules the estimator needs.
    t = time.perf_counter_ns()
    handler.load(model_path)
    load_ns = time.perf_counter_ns() - t
    # Second load, modules already imported: deserialisation alone.
    t = time.perf_counter_ns()
    joblib.load(model_path)
    reload_ns = time.perf_counter_ns() - t

    t = time.perf_counter_ns()
    first = handler.handler(event, context)
    first_ns = time.perf_counter_ns() - t
    if first["statusCode"] != 200:
        raise SystemExit(f"cold request failed: {first['statusCode']} {first['body']}")

    for _ in range(warmup):
        handler.handler(event, context)
    durations = [0] * calls
    clock = time.perf_counter_ns
    call = handler.handler
    for i in range(calls):
        s = clock()
        call(event, context)
        durations[i] = clock() - s

    json.dump(
        {
            "importMs": import_ns / 1e6,
            "loadMs": load_ns / 1e6,
            "reloadMs": reload_ns / 1e6,
            "firstCallMs": first_ns / 1e6,
            "firstBody": json.loads(first["body"]),
            "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "durationsNs": durations,
        },
        sys.stdout,
        separators=(",", ":"),
    )


main()

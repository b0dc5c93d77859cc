"""schemathesis hooks for the api fuzz run (platform/local/test/fuzz-api.test.ts), loaded with SCHEMATHESIS_HOOKS.

A fleet is work for the whole lab: every vehicle is a trip document, a direction, and positions to store. The
fuzzer's boundary values (20,000 vehicles, 1,000 generated routes) would turn the run into a load test whose
stored trips then slow every later read (one POST /routes/generate of 1,000 routes took 70 s on 2 shared cores).
So the fuzz run keeps what it creates small:

- a POST /fleets asks for at most FLEETLAB_FUZZ_MAX_VEHICLES vehicles (default 3), a POST /routes/generate for at
  most FLEETLAB_FUZZ_MAX_ROUTES routes (default 5); the body stays what the document allows, only smaller, so
  every check still applies to what is sent;
- every fleet the fuzzer starts is cancelled (DELETE /fleets/{id}) as soon as the api accepts it.

Speed and size are measured by the benchmarks (docs/benchmarks.md), not here.
"""
import json
import os
import urllib.request

import schemathesis

MAX_VEHICLES = int(os.environ.get("FLEETLAB_FUZZ_MAX_VEHICLES", "3"))
MAX_ROUTES = int(os.environ.get("FLEETLAB_FUZZ_MAX_ROUTES", "5"))
API_URL = os.environ.get("FLEETLAB_FUZZ_API_URL", "")


def _is_post(case, path: str) -> bool:
    return case.method.upper() == "POST" and case.path.rstrip("/") == path


def _is_fleet_start(case) -> bool:
    return _is_post(case, "/fleets")


def _cap(body, field: str, most: int) -> None:
    # JSON Schema's "integer" admits 869.0, and so does the api (JSON has one number type): cap floats too.
    value = body.get(field)
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > most:
        body[field] = most


@schemathesis.hook
def before_call(context, case, kwargs):
    body = case.body
    if not isinstance(body, dict):
        return
    if _is_fleet_start(case):
        _cap(body, "vehicles", MAX_VEHICLES)
    elif _is_post(case, "/routes/generate"):
        _cap(body, "count", MAX_ROUTES)


@schemathesis.hook
def after_call(context, case, response):
    if not API_URL or not _is_fleet_start(case) or response.status_code != 202:
        return
    try:
        fleet_id = json.loads(response.content).get("fleetId")
    except (ValueError, AttributeError):
        return
    if not isinstance(fleet_id, str):
        return
    request = urllib.request.Request(f"{API_URL}/fleets/{fleet_id}", method="DELETE")
    try:
        urllib.request.urlopen(request, timeout=60).close()
    except OSError:
        # The run's own checks judge the api; a cancel that fails only leaves a small fleet running.
        pass

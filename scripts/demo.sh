#!/usr/bin/env bash
# `make demo` (after `make setup`): the churn ML pipeline end to end on the local target.
#   sample data -> local S3 -> glue-wf deploy -> glue-wf run --wait -> what the run produced.
# State lives in the demo home (.glue-wf, or $GLUE_WF_HOME); rerunning deploys again
# (no changes) and runs again, updating the same endpoint blue/green.
set -euo pipefail
cd "$(dirname "$0")/.."

GLUE_WF="${GLUE_WF:-.venv/bin/glue-wf}"
export GLUE_WF_TARGET=local
export GLUE_WF_HOME="${GLUE_WF_HOME:-$PWD/.glue-wf}"
ROWS="${DEMO_ROWS:-5000}"
SEED="${DEMO_SEED:-42}"

if [[ ! -x "$GLUE_WF" ]]; then
  echo "demo: $GLUE_WF not found; run 'make setup' first" >&2
  exit 1
fi

started=$(date +%s)
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "1/4 Sample data: $ROWS churn rows (seed $SEED) into the local S3 at the workflow's input_uri"
"$GLUE_WF" sample-data --rows "$ROWS" --seed "$SEED"

step "2/4 Deploy the workflow (jobs, triggers, scripts) to the local target"
"$GLUE_WF" deploy

# A local endpoint whose server died with the machine reads back as Failed; the deploy
# node only updates InService endpoints, so remove a failed one before running again.
endpoint_status=$("$GLUE_WF" endpoints --json 2>/dev/null | .venv/bin/python -c '
import json, sys
for e in json.load(sys.stdin):
    if e.get("EndpointName") == "churn-xgb":
        print(e.get("EndpointStatus", ""))' || true)
if [[ "$endpoint_status" == "Failed" ]]; then
  echo "demo: endpoint churn-xgb is Failed (its server stopped); deleting it to recreate it"
  "$GLUE_WF" delete-endpoint churn-xgb --yes
fi

step "3/4 Run it: preprocess -> train -> evaluate -> gate -> register -> deploy"
status=0
"$GLUE_WF" run --wait || status=$?

step "4/4 What the run produced"
"$GLUE_WF" pipeline-report || status=$((status ? status : $?))

elapsed=$(( $(date +%s) - started ))
if [[ $status -eq 0 ]]; then
  printf '\ndemo finished in %ss. Next: glue-wf status | glue-wf console | rerun make demo\n' \
    "$elapsed"
  printf 'state: %s (delete it to start over)\n' "$GLUE_WF_HOME"
else
  printf '\ndemo FAILED after %ss (exit %s): see glue-wf status and the job logs under %s/logs\n' \
    "$elapsed" "$status" "$GLUE_WF_HOME" >&2
fi
exit "$status"

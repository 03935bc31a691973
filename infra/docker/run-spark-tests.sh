#!/usr/bin/env bash
# Run the Spark job tests inside the official AWS Glue 5.0 image, against the REAL
# awsglue library (the project's local runtime stays off the path there).
# Usage: infra/docker/run-spark-tests.sh [pytest args...]   (make docker-spark-test)
set -euo pipefail

IMAGE="${GLUE_IMAGE:-public.ecr.aws/glue/aws-glue-libs:5}"
WORKSPACE="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

if ! command -v docker >/dev/null 2>&1; then
  echo "docker-spark-test: docker is not installed; run 'make spark' for the local runtime" >&2
  exit 1
fi

# Default selection: the Spark tests that need no glue-wf dependencies beyond pyspark.
if [ "$#" -eq 0 ]; then
  set -- -m spark tests/awsglue/test_utils.py tests/awsglue/test_dynamicframe.py \
    tests/jobs/test_preprocess.py
fi

# The image's entrypoint is a shell, hence "-c". Offline: dummy credentials and a region
# instead of mounting ~/.aws.
exec docker run -i --rm \
  -v "$WORKSPACE":/home/hadoop/workspace/ \
  --workdir /home/hadoop/workspace \
  -e GLUE_WF_REAL_AWSGLUE=1 \
  -e PYTHONPATH=/home/hadoop/workspace \
  -e AWS_REGION=us-east-1 -e AWS_DEFAULT_REGION=us-east-1 \
  -e AWS_ACCESS_KEY_ID=testing -e AWS_SECRET_ACCESS_KEY=testing \
  "$IMAGE" \
  -c "python3 -m pytest --disable-warnings -p no:cacheprovider $(printf '%q ' "$@")"

"""A user's script on the SageMaker Python SDK v2: train the built-in XGBoost, deploy,
predict, delete. Nothing glue-wf specific: it runs as it would against AWS."""

import json
import random
import sys

import boto3
import sagemaker
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.serializers import CSVSerializer

ROLE = sys.argv[1]
region = boto3.session.Session().region_name
session = sagemaker.Session()
bucket = session.default_bucket()

random.seed(7)
rows = []
for _ in range(300):
    x1, x2 = random.random(), random.random()
    rows.append(f"{int(x1 + x2 > 1)},{x1:.4f},{x2:.4f}")
with open("train.csv", "w") as handle:
    handle.write("\n".join(rows) + "\n")
train = session.upload_data("train.csv", bucket=bucket, key_prefix="sdk-demo/train")

image = sagemaker.image_uris.retrieve("xgboost", region, "3.0-5")
estimator = Estimator(
    image_uri=image,
    role=ROLE,
    instance_count=1,
    instance_type="ml.m5.large",
    output_path=f"s3://{bucket}/sdk-demo/output",
    sagemaker_session=session,
    hyperparameters={"objective": "binary:logistic", "num_round": "20", "max_depth": "3"},
)
estimator.fit({"train": TrainingInput(train, content_type="text/csv")})
predictor = estimator.deploy(
    initial_instance_count=1, instance_type="ml.m5.large", serializer=CSVSerializer()
)
try:
    high = float(predictor.predict("0.95,0.9").decode().strip())
    low = float(predictor.predict("0.05,0.1").decode().strip())
finally:
    predictor.delete_model()
    predictor.delete_endpoint()
print()  # the SDK's deploy wait prints progress marks without a newline
print(
    json.dumps(
        {
            "bucket": bucket,
            "image": image,
            "job": estimator.latest_training_job.name,
            "model_data": estimator.model_data,
            "high": high,
            "low": low,
        }
    )
)

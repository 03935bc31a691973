"""The SageMaker Python SDK v2's start-up calls: session, default bucket, upload, the
built-in XGBoost image (from the SDK's bundled tables, offline), registry reads."""

import json
import sys

import boto3
import sagemaker
from sagemaker.image_uris import retrieve

region = boto3.session.Session().region_name
session = sagemaker.Session()
bucket = session.default_bucket()
with open("data.csv", "w") as handle:
    handle.write("1,0.5,0.25\n")
uploaded = session.upload_data("data.csv", bucket=bucket, key_prefix="sdk/in")
downloaded = session.read_s3_file(bucket, "sdk/in/data.csv")
print(
    json.dumps(
        {
            "region": region,
            "account": session.account_id(),
            "bucket": bucket,
            "uploaded": uploaded,
            "downloaded": downloaded,
            "image": retrieve("xgboost", region, "3.0-5"),
            "role": boto3.client("iam").get_role(RoleName=sys.argv[1])["Role"]["Arn"],
            "groups": session.sagemaker_client.list_model_package_groups()[
                "ModelPackageGroupSummaryList"
            ],
        }
    )
)

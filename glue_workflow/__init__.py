"""glue-wf: ML pipelines on AWS Glue workflows, deployable to AWS or run locally.

This module stays import-light: job scripts import ``glue_workflow.jobkit`` on Glue's
Python shell, where only the standard library and boto3 are available.
"""

__version__ = "0.1.0"

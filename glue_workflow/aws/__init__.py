"""The one path to AWS: clients, retries, pagination, error translation, the target.

Every AWS call of glue-wf outside the job library goes through here:
``clients`` (boto3 sessions and clients for the local or AWS target), ``retry``
(the retry and throttling policy, ``call``), ``paginate`` (every page of a list
operation), ``errors`` (botocore errors → ``glue_workflow.errors``) and ``target``
(where a command acts, resolved once). The job library (``glue_workflow.jobkit``)
runs on Glue's Python 3.9 shell and imports none of it; its not-found classifier is
the one ``errors`` uses.
"""

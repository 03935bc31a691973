"""The local target's SageMaker: training, processing, Model Registry, endpoints, runtime.

See ``service.SageMakerService`` and ``runtime.RuntimeService`` (wired in
``glue_workflow.local.dispatch``), and ``endpoints.endpoint_url`` for a local
endpoint's URL.
"""

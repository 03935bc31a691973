"""The glue-wf console: a JSON API and pages over a target's Glue and SageMaker state."""

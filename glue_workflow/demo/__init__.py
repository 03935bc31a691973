"""The churn demo's own code, apart from the framework: its sample data generator and
the report of what a churn pipeline run produced (``glue-wf sample-data``,
``glue-wf pipeline-report``, the ``ml`` project template's seed data)."""

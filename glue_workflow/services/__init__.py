"""Services shared by the CLI and the console: Model Registry and endpoints.

Run control lives in ``glue_workflow.runs`` (``control``, ``resume``, ``status``).
Each front end is a thin adapter over these calls, so they cannot disagree.
"""

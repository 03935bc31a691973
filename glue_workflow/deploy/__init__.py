"""Deploy a compiled workflow to a target: read remote state, plan, execute.

Chalice style: the planner is pure (document + remote state → frozen instructions),
the executor only writes, and a display-only executor is the dry run. Entry points
live in ``glue_workflow.deploy.deployer``.
"""

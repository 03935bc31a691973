"""The local Glue: control plane (workflows, jobs, triggers) and the workflow engine."""

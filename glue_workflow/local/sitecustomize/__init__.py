"""Directory put on job processes' PYTHONPATH: its ``sitecustomize`` module installs the
local target in the child (see ``glue_workflow.local.environment``)."""

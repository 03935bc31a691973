"""Workflow definitions of this project (glue-wf.toml names the one to deploy)."""

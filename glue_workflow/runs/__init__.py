"""Run control on any target: start, follow (--wait), verdict, status, history, resume,
stop, logs. Everything goes through the Glue API (GetWorkflowRun with its graph)."""

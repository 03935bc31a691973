"""Job scripts shipped inside glue-wf (uploaded by deploy like a project's scripts)."""

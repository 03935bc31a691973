"""Local (clean-room) Glue Data Quality: a DQDL subset evaluated with Spark."""

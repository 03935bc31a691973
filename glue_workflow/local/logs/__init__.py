"""CloudWatch Logs reads served from the log files the local engine keeps."""

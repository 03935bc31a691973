"""The local S3 stand-in: a directory tree under ``<home>/s3``."""

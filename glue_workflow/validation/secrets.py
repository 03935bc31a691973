"""The run-property rule, re-exported: it lives with the model (``glue_workflow.model.secrets``)."""

from __future__ import annotations

from glue_workflow.model.secrets import looks_like_secret_property, secret_property_message

__all__ = ["looks_like_secret_property", "secret_property_message"]

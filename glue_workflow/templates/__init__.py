"""Project templates for ``glue-wf init`` (files ending ``.tmpl``; see ``scaffold``)."""

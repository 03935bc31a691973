"""What a local Python shell job gets on its path besides its ``--extra-py-files``.

Put on ``PYTHONPATH`` as a directory: ``sitecustomize`` routes the job's boto3 calls
to its local executor over loopback (``glue_wf_shell_bridge``). Nothing here imports
``glue_workflow``: the job imports the job library only from its uploaded wheel.
Python 3.9 compatible (Glue's Python shell).
"""

"""The local target: AWS services answered on this machine from state under one directory.

``install(home)`` makes every boto3 client of the listed services, created in this
process from then on, answered by the local handlers (see ``dispatch``).
"""

from glue_workflow.local.dispatch import install, installed_home, uninstall

__all__ = ["install", "installed_home", "uninstall"]

"""Build hook: package the files glue-wf shares with new projects (see scaffold.SHARED).

The ML job scripts (``jobs/``) and the CloudFormation template (``infra/template.yaml``)
live at the repository's top level, where the project's own workflow uses them;
``glue-wf init`` copies them into new projects, so the wheel carries them under
``glue_workflow/templates/shared/``.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHARED = ("jobs", "infra/template.yaml")
ROOT = Path(__file__).resolve().parent


class BuildWithSharedFiles(build_py):
    def run(self) -> None:
        super().run()
        dest = Path(self.build_lib) / "glue_workflow" / "templates" / "shared"
        shutil.rmtree(dest, ignore_errors=True)  # an earlier build's copy may hold stale files
        for rel in SHARED:
            source, target = ROOT / rel, dest / rel
            if source.is_dir():
                shutil.copytree(
                    source,
                    target,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"),
                    dirs_exist_ok=True,
                )
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


setup(cmdclass={"build_py": BuildWithSharedFiles})

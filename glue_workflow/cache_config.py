"""The ``--glue_wf_cache`` job argument: what a job's step cache needs to know.

Compiled (pure, deterministic) from the definition for every job that ships the job
library: whether the node is cached, its key's static parts (content hashes of its
script and shipped files), which reads and inputs enter the key, which writes an entry
records, and where entries live. Jobs read it on Glue and locally alike
(``glue_workflow.jobkit.cache``); a job without caching still honours
``--rerun-from`` through it.
"""

from __future__ import annotations

import json
from typing import Any

from glue_workflow import naming
from glue_workflow.model.cache import Cache
from glue_workflow.model.jobs import Job

CACHE_ARGUMENT = "--glue_wf_cache"


def cache_argument(job: Job, workflow: str, bucket: str, sha256_of: Any) -> str:
    """The argument's JSON; ``sha256_of(source)`` gives an artifact's content hash."""
    cache = job.cache if isinstance(job.cache, Cache) else None
    config: dict[str, Any] = {"cache": cache is not None}
    if cache is not None:
        sources = list(job.files_and_script)
        if job.jobkit_source:
            sources.append(job.jobkit_source)
        config.update(
            {
                "expire_after": cache.expire_seconds,
                "inputs": list(cache.inputs),
                "reads": list(job.reads),
                "writes": list(job.writes),
                "script": job.script,
                "files": {source: sha256_of(source) for source in sorted(set(sources))},
                "file_arguments": sorted(job.files),
                "store": f"s3://{bucket}/{naming.cache_prefix(workflow, job.name)}",
            }
        )
    return json.dumps(config, sort_keys=True, separators=(",", ":"))

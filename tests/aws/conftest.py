"""Stubbed botocore clients for the tests of ``glue_workflow.aws``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.stub import Stubber

# botocore's own retries off: every stubbed answer reaches glue-wf's policy.
NO_BOTOCORE_RETRY = Config(retries={"total_max_attempts": 1})

Stubbed = Callable[[str], tuple[Any, Stubber]]


@pytest.fixture
def stubbed() -> Iterator[Stubbed]:
    """Make a client of a service with its Stubber; every queued answer must be used."""
    stubbers: list[Stubber] = []
    with ExitStack() as stack:

        def make(service: str) -> tuple[Any, Stubber]:
            client = boto3.client(service, region_name="us-east-1", config=NO_BOTOCORE_RETRY)
            stubbers.append(stack.enter_context(Stubber(client)))
            return client, stubbers[-1]

        yield make
        for stubber in stubbers:
            stubber.assert_no_pending_responses()


@pytest.fixture
def glue(stubbed: Stubbed) -> tuple[Any, Stubber]:
    return stubbed("glue")

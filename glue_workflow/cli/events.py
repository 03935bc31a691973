"""``glue-wf events put | list``: send an EventBridge event by hand; see where events went."""

from __future__ import annotations

import json
from typing import Any

import click

from glue_workflow.cli.common import echo_json, with_settings
from glue_workflow.jsonstyle import iso_time


@click.group("events")
def events_group() -> None:
    """EventBridge events that start event-started workflows (Event(pattern=...))."""


@events_group.command("put")
@with_settings
@click.option(
    "--source",
    required=True,
    help="The event's source, e.g. my.app (aws.* sources are AWS services' own: cause the "
    "event itself, e.g. put the object into a bucket that sends events).",
)
@click.option(
    "--detail-type", required=True, help='The event\'s detail-type, e.g. "Object Created".'
)
@click.option(
    "--detail", default="{}", show_default=True, help="The event's detail: a JSON object."
)
@click.option(
    "--resource", "resources", multiple=True, help="An ARN the event is about (repeatable)."
)
def put_command(
    settings: Any, source: str, detail_type: str, detail: str, resources: tuple[str, ...]
) -> None:
    """Put one event on the default bus (PutEvents); rules matching it deliver it."""
    from glue_workflow.aws.clients import client

    try:
        parsed = json.loads(detail)
    except ValueError as exc:
        raise click.BadParameter(
            f"not JSON ({exc}); pass a JSON object, e.g. '{{\"key\": 1}}'", param_hint="--detail"
        ) from exc
    if not isinstance(parsed, dict):
        raise click.BadParameter(f"must be a JSON object, got {detail!r}", param_hint="--detail")
    entry: dict[str, Any] = {"Source": source, "DetailType": detail_type, "Detail": detail}
    if resources:
        entry["Resources"] = list(resources)
    answer = client(settings, "events").put_events(Entries=[entry])
    result = answer["Entries"][0]
    if "ErrorCode" in result:
        hint = ""
        if result["ErrorCode"] == "NotAuthorizedForSourceException":
            hint = (
                f"; {source} is an AWS service's own source, which only that service may "
                "put: cause the event itself (an object put into a bucket whose EventBridge "
                "notifications are on sends aws.s3 Object Created), or use a source of "
                "your own in the workflow's Event pattern"
            )
        raise click.ClickException(
            f"EventBridge refused the event: {result['ErrorCode']}: {result['ErrorMessage']}{hint}"
        )
    click.echo(f"event {result['EventId']} put on the default bus")
    if settings.is_local:
        _echo_local_deliveries(settings, result["EventId"])


def _echo_local_deliveries(settings: Any, event_id: str) -> None:
    from glue_workflow.local.dispatch import install
    from glue_workflow.local.events.store import EventsState

    home = install(settings.home)
    batches = BatchStatus(home)
    for entry in EventsState(home).recent(50):
        if entry["event"]["id"] != event_id:
            continue
        if not entry["deliveries"]:
            click.echo("no enabled rule matched it")
        for delivery in entry["deliveries"]:
            click.echo(_describe(delivery, batches, event_id))


class BatchStatus:
    """Where an event delivered to a workflow went later: still queued, or in the
    ``aws:eventIds`` of the run its batch started (at delivery, or when a window closed or
    a run that held the workflow's last slot ended)."""

    def __init__(self, home: Any) -> None:
        from glue_workflow.local.glue.service import GlueService

        self.glue = GlueService(home)

    def status(self, target: str, event_id: str) -> str:
        from glue_workflow.local.events.service import _GLUE_WORKFLOW
        from glue_workflow.local.glue.eventstart import EVENT_IDS_PROPERTY

        found = _GLUE_WORKFLOW.match(target)
        if found is None:
            return "delivered"
        workflow = found["name"]
        if event_id in self.glue.events.pending(workflow):
            return (
                "delivered (queued: waiting for its batch's size or window, or for a run "
                "to end when the workflow runs its max_concurrent_runs)"
            )
        for run in self.glue.state.runs_of(workflow):
            ids = (run.properties or {}).get(EVENT_IDS_PROPERTY, "[]")
            if event_id in json.loads(ids):
                return f"delivered, started run {run.run_id} with its batch"
        return "delivered (its batch started no run: the workflow's EVENT trigger is gone)"


def _describe(delivery: dict[str, Any], batches: BatchStatus, event_id: str) -> str:
    text = f"rule {delivery['rule']} -> {delivery['target']}: "
    if delivery.get("error"):
        return text + f"not delivered ({delivery['error']})"
    runs = delivery.get("runs") or []
    if runs:
        return text + "started run " + ", ".join(runs)
    return text + batches.status(str(delivery["target"]), event_id)


@events_group.command("list")
@with_settings
@click.option("--limit", default=20, show_default=True, help="How many recent events.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_command(settings: Any, limit: int, as_json: bool) -> None:
    """Recent events put on the local bus and where each went (local target)."""
    from glue_workflow.errors import ConfigError
    from glue_workflow.local.dispatch import install
    from glue_workflow.local.events.store import EventsState

    if not settings.is_local:
        raise ConfigError("glue-wf events list reads the local bus; on AWS use CloudWatch metrics")
    home = install(settings.home)
    batches = BatchStatus(home)
    # a batch whose window has expired starts its run now: the list shows where it went,
    # never "queued" past its window (as an EventBridge call or a scheduler tick would)
    batches.glue.events.flush_due()
    recent = EventsState(home).recent(limit)
    if as_json:  # docs/json.md: PascalCase keys, ISO 8601 times; the event as EventBridge's
        echo_json(
            [
                {
                    "Time": iso_time(entry["time"]),
                    "Event": entry["event"],
                    "Deliveries": [
                        {
                            "Rule": d["rule"],
                            "Target": d["target"],
                            "Runs": d.get("runs") or [],
                            "Error": d.get("error"),
                            "Status": _describe(d, batches, entry["event"]["id"]),
                        }
                        for d in entry["deliveries"]
                    ],
                }
                for entry in recent
            ]
        )
        return
    if not recent:
        click.echo("no events yet")
    for entry in recent:
        event = entry["event"]
        click.echo(f"{event['time']} {event['id']} {event['source']} / {event['detail-type']}")
        for delivery in entry["deliveries"]:
            click.echo("  " + _describe(delivery, batches, event["id"]))


COMMANDS = [events_group]

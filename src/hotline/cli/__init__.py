"""The ``hotline`` command: parses arguments, calls one service, prints the outcome."""

from __future__ import annotations

import json
import logging
import sys

import click

from hotline import __version__
from hotline.cli import audit, jobs, keys, open311, ops, users
from hotline.clock import use_timezone


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="hotline")
@click.option("-v", "--verbose", is_flag=True, help="More log output.")
def main(verbose: bool) -> None:
    """hotline — 12345 热线智慧办理系统 (ticket management, smart dispatch, assessment)."""
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    use_timezone(ops.command_settings().timezone)


main.add_command(ops.serve)
main.add_command(ops.db)
main.add_command(ops.demo)
main.add_command(users.users)
main.add_command(ops.units)
main.add_command(ops.import_group)
main.add_command(ops.backup_cmd)
main.add_command(ops.restore_cmd)
main.add_command(jobs.jobs_cmd)
main.add_command(open311.open311_cmd)
main.add_command(audit.audit_cmd)
main.add_command(keys.keys_cmd)


def _add_optional(module: str, names: list[str]) -> None:
    """Commands of the smart parts (kept apart so the core CLI works without them)."""
    try:
        mod = __import__(f"hotline.cli.{module}", fromlist=names)
    except ImportError as exc:  # pragma: no cover - reported, not hidden
        logging.getLogger(__name__).debug("cli module %s unavailable: %s", module, exc)
        return
    for name in names:
        command = getattr(mod, name, None)
        if command is not None:
            main.add_command(command)


_add_optional("intel", ["train", "eval_cmd", "dispatch_cmd", "models"])
_add_optional("analysis", ["topics_cmd", "links_cmd"])
_add_optional("calendar", ["holidays"])
_add_optional("assessment", ["kpi"])
_add_optional("integration", ["webhooks_cmd", "clients_cmd"])


def echo_json(data: object) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

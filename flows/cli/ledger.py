"""``porting-batch ledger migrate --to URL``: move this machine's ledger to another database.

The source is the ledger the settings name (``PORTING_LEDGER_URL``, else SQLite in the state
folder); the target must be empty. Imports no Prefect.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from flows.cli.common import settings_for
from flows.exit_codes import EXIT_BAD_INPUT, EXIT_OK


def add_ledger_command(sub: Any) -> None:
    """Register ``ledger migrate`` on the command line's subparsers."""
    ledger = sub.add_parser("ledger", help="the ledger's own database: move it elsewhere")
    actions = ledger.add_subparsers(dest="ledger_command", required=True)
    migrate = actions.add_parser(
        "migrate", help="copy this ledger into an empty one (e.g. SQLite to PostgreSQL)"
    )
    migrate.add_argument(
        "--to", required=True, metavar="URL", help="the target's SQLAlchemy URL (its tables empty)"
    )
    migrate.add_argument("--state", help="state folder of the source ledger (default: ./state)")
    migrate.set_defaults(handler=cmd_ledger_migrate)


def cmd_ledger_migrate(args: argparse.Namespace) -> int:
    """Copy the settings' ledger into the one at ``--to``; print the rows copied per table."""
    from porting_batch.ledger.transfer import migrate_to

    settings = settings_for(args)
    source = settings.ledger_database_url
    if not settings.ledger_url and not (settings.state_dir / "ledger.db").exists():
        print(f"error: no ledger at {settings.state_dir / 'ledger.db'} to copy", file=sys.stderr)
        return EXIT_BAD_INPUT
    copied = migrate_to(source, args.to)
    for table, rows in copied.items():
        if rows:
            print(f"{table:<16} {rows:>8} row(s)")
    print(f"ledger copied: {sum(copied.values())} row(s); now set PORTING_LEDGER_URL to the target")
    return EXIT_OK

"""Admin commands: `python -m ops.admin create-user|create-token|seed-demo …`."""

import argparse
import getpass
import secrets
import sys
from pathlib import Path

from pydantic import ValidationError

from core.db import get_session_factory
from core.settings import VAR_DIR, get_settings
from ops import backup
from people import service
from people.models import UserCreate

DEMO_PEOPLE = (
    ("admin@lumora.example", "Ada Admin", ["admin"]),
    ("agent@lumora.example", "Alex Agent", ["agent"]),
    ("expert@lumora.example", "Erin Expert", ["expert"]),
    ("editor@lumora.example", "Eddie Editor", ["editor"]),
    ("lead@lumora.example", "Lee Lead", ["lead"]),
)
DEMO_LOGINS = VAR_DIR / "demo-logins.txt"


def create_user(email: str, name: str, roles: list[str], password: str) -> str:
    """Create one account; returns a line describing it or raises SystemExit with the reason."""
    try:
        data = UserCreate(email=email, display_name=name, password=password, roles=roles)
    except ValidationError as error:
        reasons = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise SystemExit(f"cannot create user: {reasons}") from None
    with get_session_factory()() as session:
        if service.get_by_email(session=session, email=email):
            raise SystemExit(f"cannot create user: {email} already has an account")
        user = service.create_user(session=session, data=data)
        return f"created {user.email} ({', '.join(data.roles)})"


def create_token(email: str, name: str) -> str:
    """Issue an API token for an existing account and return it."""
    with get_session_factory()() as session:
        user = service.get_by_email(session=session, email=email)
        if user is None:
            raise SystemExit(f"cannot create token: no account {email}")
        return service.create_api_token(session=session, user=user, name=name)


def seed_demo(logins_file: Path = DEMO_LOGINS) -> str:
    """Create the demo admin, agent, expert and editor once; return their logins (kept in `logins_file`)."""
    if logins_file.exists():
        return logins_file.read_text()
    lines = []
    with get_session_factory()() as session:
        for email, name, roles in DEMO_PEOPLE:
            if service.get_by_email(session=session, email=email):
                continue
            password = secrets.token_urlsafe(9)
            service.create_user(
                session=session, data=UserCreate(email=email, display_name=name, password=password, roles=roles)
            )
            lines.append(f"  {roles[0]:<7} {email:<24} password: {password}")
    text = "\n".join(lines) + "\n"
    logins_file.parent.mkdir(parents=True, exist_ok=True)
    logins_file.write_text(text)
    logins_file.chmod(0o600)
    return text


def _backup_command(args: argparse.Namespace) -> int:
    """Run backup or restore; print what it did, or why it refused."""
    try:
        if args.command == "backup":
            manifest = backup.backup(get_settings(), args.to)
            print(f"Backed up {manifest['counts']} (schema {manifest['revision']}) into {args.to}")
        else:
            facts = backup.restore(get_settings(), args.source, force=args.force)
            print(f"Restored {facts['counts']} (schema {facts['revision']}) from {args.source}")
        return 0
    except backup.Refused as error:
        print(f"Refused: {error}", file=sys.stderr)
        return 2


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run one admin command."""
    parser = argparse.ArgumentParser(prog="python -m ops.admin", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    user = commands.add_parser("create-user", help="create a staff account")
    user.add_argument("--email", required=True)
    user.add_argument("--name", required=True, help="display name")
    user.add_argument("--roles", required=True, help="comma-separated: agent,expert,editor,admin")
    user.add_argument("--password", help="at least 10 characters (asked for when left out)")
    token = commands.add_parser("create-token", help="issue an API token for a service client")
    token.add_argument("--email", required=True)
    token.add_argument("--name", required=True, help="what the token is for")
    commands.add_parser("seed-demo", help="create the demo people once and print their logins")
    saving = commands.add_parser("backup", help="back up the database, the index and the secrets")
    saving.add_argument("--to", required=True, type=Path, help="a new or empty folder")
    restoring = commands.add_parser("restore", help="restore a backup into an empty database")
    restoring.add_argument("--from", dest="source", required=True, type=Path, help="the backup's folder")
    restoring.add_argument("--force", action="store_true", help="replace a non-empty database, or another revision")
    args = parser.parse_args(argv)
    if args.command in ("backup", "restore"):
        sys.exit(_backup_command(args))
    if args.command == "create-user":
        password = args.password or getpass.getpass("Password: ")
        print(create_user(args.email, args.name, args.roles.split(","), password))
    elif args.command == "create-token":
        print(create_token(args.email, args.name))
    else:
        sys.stdout.write(seed_demo())


if __name__ == "__main__":
    main()

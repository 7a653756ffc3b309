"""`python -m ops.fuzz [--seconds N]`: schemathesis against the app's own OpenAPI spec, on a stack of its own.

Every check schemathesis has (server errors, undeclared statuses, bodies that break the declared schema, wrong
`Allow` headers, requests the schema refuses but the app takes, and the reverse) over every operation, as an admin
whose id no generated path will hit; `ops/fuzz.toml` holds the settings and the reasons for each. `make fuzz` runs
it long; `make test` runs a bounded pass (tests/ops/test_api_fuzz.py). The exit code is schemathesis'."""

import argparse
import subprocess
import sys
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from core.db import make_engine
from ops.own_stack import own_stack
from people import service as people
from people.models import User, UserCreate

FUZZ_ADMIN_ID = 73519  # far from the ids generated paths use (0, 1, small numbers), so it never edits itself
CONFIG = Path(__file__).with_name("fuzz.toml")


def _admin_token(database_url: str) -> str:
    """An admin (with every role, under FUZZ_ADMIN_ID) in the stack's database, and an API token of theirs."""
    engine = make_engine(database_url)
    with Session(engine) as session:
        roles = ["admin", "agent", "editor", "expert"]
        data = UserCreate(email="fuzz@lumora.example", display_name="Fuzz Admin", password="fuzz-password", roles=roles)
        user = people.create_user(session=session, data=data)
        session.execute(text("UPDATE users SET id = :new WHERE id = :old"), {"new": FUZZ_ADMIN_ID, "old": user.id})
        session.commit()
        token = people.create_api_token(session=session, user=session.get(User, FUZZ_ADMIN_ID), name="fuzz")
    engine.dispose()
    return token


def main(argv: list[str] | None = None) -> int:
    """Start the stack, run schemathesis for the time given, print its report, stop the stack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=900, help="schemathesis' time budget")
    parser.add_argument("--examples", type=int, default=100, help="examples per operation and phase")
    parser.add_argument("--seed", type=int, help="replay a run: the seed its report printed")
    args = parser.parse_args(argv)
    print("starting Rasa, the action server and the app (about a minute)…", flush=True)
    try:
        with own_stack("fuzz") as running:
            token = _admin_token(running.database_url)
            command = [
                str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG), "run",
                f"{running.app_url}/openapi.json", "--checks", "all", "--max-time", str(args.seconds),
                "--max-examples", str(args.examples), "-H", f"Authorization: Bearer {token}", "--no-color",
            ]  # fmt: skip
            command += ["--seed", str(args.seed)] if args.seed is not None else []
            return subprocess.run(command, check=False).returncode
    except RuntimeError as error:
        print(f"fuzz failed to start: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

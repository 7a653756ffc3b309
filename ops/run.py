"""`make run`: Redis (if none answers), Rasa, the action server and the app under supervisord; Ctrl-C stops them all."""

import os
import shutil
import signal
import sys
import time
from urllib.parse import urlparse

from core.settings import VAR_DIR, get_settings
from knowledge.live_index import index_now
from ops import admin, migrate, stack
from ops.supervise import START_RETRIES, Supervisor
from retrieval.cli import ProgressBar

APP_PORT = int(os.environ.get("APP_PORT", "8000"))
RASA_PORT = 5005
ACTIONS_PORT = 5055
BOT = {"rasa", "actions"}


def _interrupt(*_) -> None:
    """Treat SIGTERM like Ctrl-C so the processes are stopped either way."""
    raise KeyboardInterrupt


def main() -> int:
    """Bring the stack up under supervisord, print where to go, and keep it running until Ctrl-C."""
    settings = get_settings()
    signal.signal(signal.SIGTERM, _interrupt)
    first: list[stack.Process] = []
    if not stack.redis_answers(settings.redis_url):
        port = urlparse(settings.redis_url).port or 6379
        print(f"No Redis at {settings.redis_url}: starting one with its data in var/redis")
        first.append(stack.redis_process(port=port, data_dir=VAR_DIR / "redis"))
    env = stack.rasa_env(settings.redis_url, prefix=f"{settings.redis_prefix}rasa", action_port=ACTIONS_PORT)
    actions = stack.actions_process(
        port=ACTIONS_PORT, api_url=f"http://127.0.0.1:{APP_PORT}", service_token=settings.bot_service_token
    )
    rasa = stack.rasa_process(model=stack.current_model(), port=RASA_PORT, env=env)
    metrics_dir = VAR_DIR / "metrics"  # each worker's figures, added up by /metrics (fresh each start)
    shutil.rmtree(metrics_dir, ignore_errors=True)
    metrics_dir.mkdir(parents=True)
    app_env = {"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    app = stack.app_process(host=os.environ.get("APP_HOST", "127.0.0.1"), port=APP_PORT, env=app_env)
    processes = [*first, actions, rasa, app]
    supervisor = Supervisor(processes, VAR_DIR / "supervisor", later=frozenset({"actions", "rasa", "app"}))
    try:
        supervisor.start()
        for process in first:
            supervisor.wait_ready(process, timeout=20)
        migrate.upgrade()
        logins = admin.seed_demo()
        print(f"Indexing the published articles (new files in {settings.kb_dir} are imported first)…")
        index_now(settings, progress=ProgressBar())
        for process in (actions, rasa, app):
            supervisor.start_process(process.name)
        print("Waiting for Rasa to load its model (about a minute)…")
        for process in (actions, app, rasa):
            supervisor.wait_ready(process, timeout=240)
        print(
            f"\nSwarmdesk is up:\n  demo page + chat widget  {settings.public_url}/\n"
            f"  help centre              {settings.public_url}/help\n"
            f"  staff sign-in            {settings.public_url}/login\n"
            f"  agent desk               {settings.public_url}/desk\n"
            f"  swarms (experts)         {settings.public_url}/swarms\n"
            f"  KB editor                {settings.public_url}/kb\n"
            f"  people (admins)          {settings.public_url}/admin/people\n"
            f"  health                   {settings.public_url}/healthz\n"
            f"Demo logins (kept in {admin.DEMO_LOGINS}):\n{logins}"
            f"Each process logs to {supervisor.logs}/<name>.log; one that dies is restarted.\n"
            "Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        _watch(supervisor)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    except RuntimeError as error:
        print(f"Could not start Swarmdesk: {error}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()


def _watch(supervisor: Supervisor) -> None:
    """Until supervisord stops, say when a process died and is being started again, and loudly when one kept
    crashing and was given up on (the others keep running)."""
    seen: dict[str, str] = {}
    restarting: set[str] = set()
    while supervisor.running():
        for name, info in supervisor.states().items():
            state, before = info["statename"], seen.get(name)
            seen[name] = state
            if state == before or before is None:
                continue
            if state == "FATAL":
                print(
                    f"\n!!! {name} kept crashing and was given up on after {START_RETRIES} tries; its log: "
                    f"{supervisor.logs / name}.log. The rest keeps running"
                    + (" (the bot is off: customers are told and offered a person)." if name in BOT else ".")
                    + f" Start it again with: .venv/bin/supervisorctl -c {supervisor.config} start {name}\n",
                    file=sys.stderr,
                    flush=True,
                )
            elif before == "RUNNING":
                restarting.add(name)
                print(f"{name} stopped; supervisord is starting it again", flush=True)
            elif state == "RUNNING" and name in restarting:
                restarting.discard(name)
                print(f"{name} is running again", flush=True)
        time.sleep(1)
    print("supervisord stopped.", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())

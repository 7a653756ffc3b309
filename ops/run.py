"""`make run`: start Redis (if none answers), Rasa, the action server and the app; Ctrl-C stops them all."""

import os
import signal
import sys
import time
from urllib.parse import urlparse

from core.settings import VAR_DIR, get_settings
from knowledge.live_index import index_now
from ops import admin, migrate, stack
from retrieval.cli import ProgressBar

APP_PORT = int(os.environ.get("APP_PORT", "8000"))
RASA_PORT = 5005
ACTIONS_PORT = 5055


def _interrupt(*_) -> None:
    """Treat SIGTERM like Ctrl-C so the processes are stopped either way."""
    raise KeyboardInterrupt


def main() -> int:
    """Bring the stack up, print where to go, and supervise it until Ctrl-C or a crash."""
    settings = get_settings()
    supervisor = stack.Stack(colour=sys.stdout.isatty())
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        if not stack.redis_answers(settings.redis_url):
            port = urlparse(settings.redis_url).port or 6379
            print(f"No Redis at {settings.redis_url}: starting one with its data in var/redis")
            redis = stack.redis_process(port=port, data_dir=VAR_DIR / "redis")
            supervisor.start(redis)
            supervisor.wait_ready(redis, timeout=20)
        migrate.upgrade()
        logins = admin.seed_demo()
        print(f"Indexing the published articles (new files in {settings.kb_dir} are imported first)…")
        index_now(settings, progress=ProgressBar())
        env = stack.rasa_env(settings.redis_url, prefix=f"{settings.redis_prefix}rasa", action_port=ACTIONS_PORT)
        actions = stack.actions_process(
            port=ACTIONS_PORT, api_url=f"http://127.0.0.1:{APP_PORT}", service_token=settings.bot_service_token
        )
        rasa = stack.rasa_process(model=stack.current_model(), port=RASA_PORT, env=env)
        app = stack.app_process(host=os.environ.get("APP_HOST", "127.0.0.1"), port=APP_PORT, env={})
        for process in (actions, rasa, app):
            supervisor.start(process)
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
            f"Demo logins (kept in {admin.DEMO_LOGINS}):\n{logins}Press Ctrl-C to stop everything.\n",
            flush=True,
        )
        while (failed := supervisor.failed()) is None:
            time.sleep(1)
        print(f"{failed.name} stopped (exit code {failed.popen.returncode}); stopping the rest.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    except RuntimeError as error:
        print(f"Could not start Swarmdesk: {error}", file=sys.stderr)
        return 1
    finally:
        supervisor.stop()


if __name__ == "__main__":
    sys.exit(main())

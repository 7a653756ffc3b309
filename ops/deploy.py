"""Render `deploy/`'s nginx and supervisord templates for one host: `python -m ops.deploy --folder DIR …` writes
`DIR/nginx.conf` and `DIR/supervisord.conf` (and the log, run and temp folders they name)."""

import argparse
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from core.settings import get_settings
from ops import stack
from ops.stack import RASA_BIN, ROOT

TEMPLATES = ROOT / "deploy"
PLACEHOLDER = re.compile(r"\{\{([A-Z0-9_]+)\}\}")
# nginx drops an idle connection to a worker before the worker would: a worker that closes one first can do it just as
# nginx sends a request on it, which the customer gets as a 502 (uvicorn's own default is 5 s).
NGINX_IDLE_SECONDS = 60
WORKER_IDLE_SECONDS = NGINX_IDLE_SECONDS + 15


def render(template: Path, values: Mapping[str, str]) -> str:
    """The template with each `{{NAME}}` replaced by `values[NAME]`; raises KeyError naming any value missing."""
    text = template.read_text()
    missing = sorted({name for name in PLACEHOLDER.findall(text) if name not in values})
    if missing:
        raise KeyError(f"{template.name} needs values for {', '.join(missing)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def env_line(env: Mapping[str, str]) -> str:
    """A supervisord `environment=` value: each value quoted (single quotes around JSON: supervisord's parser has no
    escapes), its `%` not taken for an expansion."""
    pairs = []
    for key, value in env.items():
        quote = "'" if '"' in value else '"'
        if quote in value or value.strip("'\"") != value:
            raise ValueError(f"{key}: supervisord cannot hold a value with both kinds of quotes, or ending in one")
        pairs.append(f"{key}={quote}{value.replace('%', '%%')}{quote}")
    return ",".join(pairs)


@dataclass(frozen=True)
class Topology:
    """One host's processes: nginx on `listen`, app workers on ports from `app_port_first`, two Rasa servers and two
    action servers; `app_env` adds settings for the app (a team's own go in `.env`, which the workers read too)."""

    folder: Path
    tls_cert: Path
    tls_key: Path
    listen: str = "443"
    http_listen: str = "80"  # plain HTTP: redirects to HTTPS
    server_name: str = "_"
    app_workers: int = 2
    app_port_first: int = 8001
    internal_port: int = 8080
    rasa_ports: tuple[int, int] = (5005, 5006)
    actions_ports: tuple[int, int] = (5055, 5056)
    app_env: dict[str, str] = field(default_factory=dict)

    @property
    def app_ports(self) -> list[int]:
        """The app workers' ports."""
        return list(range(self.app_port_first, self.app_port_first + self.app_workers))


def values(topology: Topology) -> dict[str, str]:
    """Every template value for `topology`."""
    settings = get_settings()
    folder = topology.folder
    redis_url = topology.app_env.get("REDIS_URL", settings.redis_url)
    redis_prefix = topology.app_env.get("REDIS_PREFIX", settings.redis_prefix)
    app_env = {
        "RASA_URLS": json.dumps([f"http://127.0.0.1:{port}" for port in topology.rasa_ports]),
        "ACTION_SERVER_URL": f"http://127.0.0.1:{topology.actions_ports[0]}",
        "TRUSTED_PROXIES": json.dumps(["127.0.0.1"]),
        "PROMETHEUS_MULTIPROC_DIR": str(folder / "run" / "metrics"),
        **stack.app_serving_env(),
    } | topology.app_env
    token = app_env.get("BOT_SERVICE_TOKEN", settings.bot_service_token)
    actions_env = {
        "SANIC_HOST": "127.0.0.1",
        "SWARMDESK_API_URL": f"http://127.0.0.1:{topology.internal_port}",
        "SWARMDESK_SERVICE_TOKEN": token,
    }
    tls_port = topology.listen.rpartition(":")[2]
    rasa_envs = [
        stack.rasa_env(redis_url, prefix=f"{redis_prefix}rasa", action_port=port) for port in topology.actions_ports
    ]
    return {
        "LOG_DIR": str(folder / "log"),
        "RUN_DIR": str(folder / "run"),
        "TEMP_DIR": str(folder / "temp"),
        "ROOT": str(ROOT),
        "LISTEN": topology.listen,
        "HTTP_LISTEN": topology.http_listen,
        "HTTPS_PORT_SUFFIX": "" if tls_port == "443" else f":{tls_port}",
        "SERVER_NAME": topology.server_name,
        "TLS_CERT": str(topology.tls_cert),
        "TLS_KEY": str(topology.tls_key),
        "INTERNAL_PORT": str(topology.internal_port),
        "MAX_BODY_BYTES": str(settings.max_body_bytes),
        "MAX_SOCKET_FRAME_BYTES": str(settings.max_socket_frame_bytes),
        "APP_SERVERS": "\n".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in topology.app_ports
        ),
        "NGINX_IDLE_SECONDS": str(NGINX_IDLE_SECONDS),
        "WORKER_IDLE_SECONDS": str(WORKER_IDLE_SECONDS),
        "APP_WORKERS": str(topology.app_workers),
        "APP_PORT_FIRST": str(topology.app_port_first),
        "APP_PYTHON": sys.executable,
        "APP_ENV": env_line(app_env),
        "RASA_BIN": str(RASA_BIN),
        "MODEL": str(stack.current_model()),
        "RASA_PORT_1": str(topology.rasa_ports[0]),
        "RASA_PORT_2": str(topology.rasa_ports[1]),
        "ACTIONS_PORT_1": str(topology.actions_ports[0]),
        "ACTIONS_PORT_2": str(topology.actions_ports[1]),
        "ACTIONS_ENV": env_line(actions_env),
        "RASA_ENV_1": env_line(rasa_envs[0]),
        "RASA_ENV_2": env_line(rasa_envs[1]),
    }


def write(topology: Topology) -> tuple[Path, Path]:
    """Write nginx.conf and supervisord.conf into the topology's folder (with its log, run and temp folders)."""
    for name in ("log", "run", "run/metrics", "temp"):
        (topology.folder / name).mkdir(parents=True, exist_ok=True)
    filled = values(topology)
    nginx = topology.folder / "nginx.conf"
    nginx.write_text(render(TEMPLATES / "nginx.conf.template", filled))
    supervisord = topology.folder / "supervisord.conf"
    supervisord.write_text(render(TEMPLATES / "supervisord.conf.template", filled))
    return nginx, supervisord


def main(argv: list[str] | None = None) -> int:
    """Write the two files and say how to start them."""
    parser = argparse.ArgumentParser(prog="python -m ops.deploy", description=__doc__)
    parser.add_argument("--folder", type=Path, required=True, help="where the configs, logs and temp files go")
    parser.add_argument("--cert", type=Path, required=True, help="the TLS certificate (PEM, full chain)")
    parser.add_argument("--key", type=Path, required=True, help="its private key (PEM)")
    parser.add_argument("--listen", default="443", help="nginx's TLS address (default 443)")
    parser.add_argument("--http-listen", default="80", help="nginx's plain-HTTP address, which redirects (default 80)")
    parser.add_argument("--server-name", default="_", help="nginx's server_name (default _)")
    parser.add_argument("--app-workers", type=int, default=2, help="app worker processes (default 2)")
    parser.add_argument("--app-port", type=int, default=8001, help="the first worker's port (default 8001)")
    args = parser.parse_args(argv)
    topology = Topology(
        folder=args.folder.resolve(),
        tls_cert=args.cert.resolve(),
        tls_key=args.key.resolve(),
        listen=args.listen,
        http_listen=args.http_listen,
        server_name=args.server_name,
        app_workers=args.app_workers,
        app_port_first=args.app_port,
    )
    nginx, supervisord = write(topology)
    print(
        f"Wrote {nginx} and {supervisord}. Start them with:\n"
        f"  {sys.executable} -m supervisor.supervisord -c {supervisord}\n"
        f"  nginx -p {topology.folder} -c {nginx} -e {topology.folder / 'log' / 'nginx-error.log'} -g 'daemon off;'"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

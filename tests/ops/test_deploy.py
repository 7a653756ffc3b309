"""deploy/'s templates render into configs that supervisord and nginx accept, with the settings intact."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from supervisor.options import ServerOptions

from ops import deploy


@pytest.fixture
def written(tmp_path) -> deploy.Topology:
    """The two configs for a topology of three workers, with a placeholder certificate path."""
    topology = deploy.Topology(
        folder=tmp_path, tls_cert=tmp_path / "cert.pem", tls_key=tmp_path / "key.pem", app_workers=3,
        app_env={"REDIS_URL": "redis://127.0.0.1:6379/3", "REDIS_PREFIX": "deploytest", "PUBLIC_URL": "https://x%y"},
    )  # fmt: skip
    deploy.write(topology)
    return topology


def test_supervisord_reads_every_program_and_its_settings(written):
    options = ServerOptions()
    options.configfile = str(written.folder / "supervisord.conf")
    options.process_config(do_usage=False)
    programs = {p.name: p for group in options.process_group_configs for p in group.process_configs}
    assert set(programs) == {"app-8001", "app-8002", "app-8003", "rasa-1", "rasa-2", "actions-1", "actions-2"}
    app = programs["app-8002"]
    assert "--port 8002" in app.command
    assert json.loads(app.environment["RASA_URLS"]) == ["http://127.0.0.1:5005", "http://127.0.0.1:5006"]
    assert json.loads(app.environment["TRUSTED_PROXIES"]) == ["127.0.0.1"]
    assert app.environment["PUBLIC_URL"] == "https://x%y"
    assert programs["rasa-2"].environment["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5056/webhook"
    assert programs["rasa-1"].environment["RASA_REDIS_PREFIX"] == programs["rasa-2"].environment["RASA_REDIS_PREFIX"]
    assert programs["actions-1"].environment["SWARMDESK_API_URL"] == "http://127.0.0.1:8080"


def test_nginx_accepts_the_config(written, tmp_path):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (scripts/ensure_nginx.sh)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout"]
        + [str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=localhost"],
        check=True,
        capture_output=True,
    )
    conf = (tmp_path / "nginx.conf").read_text()
    assert conf.count("server 127.0.0.1:800") == 3 and "client_max_body_size 2097152;" in conf
    assert "listen 80;" in conf and "return 308 https://$host$request_uri;" in conf  # TLS on 443: no port named
    check = [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"), "-e", "stderr", "-g", "daemon off;"]
    result = subprocess.run(check, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_nginx_lets_an_idle_connection_go_before_the_worker_does(written):
    """Else a worker may close a connection just as nginx sends a customer's message on it: a 502."""
    nginx = (written.folder / "nginx.conf").read_text()
    supervisord = (written.folder / "supervisord.conf").read_text()
    nginx_idle = int(re.search(r"upstream swarmdesk_app \{[^}]*keepalive_timeout (\d+)s;", nginx)[1])
    worker_idle = int(re.search(r"uvicorn app\.main:app .*--timeout-keep-alive (\d+)", supervisord)[1])
    assert worker_idle > nginx_idle


def test_a_missing_value_is_named(tmp_path):
    template = tmp_path / "t.template"
    template.write_text("listen {{PORT}}; root {{ROOT}};")
    with pytest.raises(KeyError, match="PORT"):
        deploy.render(template, {"ROOT": "/"})
    assert deploy.render(template, {"PORT": "1", "ROOT": "/"}) == "listen 1; root /;"

"""`./eiso serve` runs the production stack on loopback (gunicorn, WhiteNoise, the task worker, the scheduler, the
production settings) and an official logs in through it."""

import http.client
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest

# The stack runs on its own SQLite database, not the suite's: once per `./eiso test` is enough (it takes a minute,
# most of it collectstatic compressing the assets for WhiteNoise).
pytestmark = pytest.mark.skipif(
    os.environ.get("EISO_DB_LABEL") == "postgresql", reason="the production stack is tested once, in the SQLite run"
)
ROOT = Path(__file__).resolve().parents[3]
PASSWORD = "Song-Co-Chien@2026"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Browser:
    """A minimal client over plain HTTP that keeps cookies, Secure ones included (TLS ends at nginx)."""

    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, body=None, headers=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"X-Forwarded-Proto": "https", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        content = response.read().decode("utf-8", "replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response, content


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    var = tmp_path_factory.mktemp("serve")
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EISO_"))},
        "DJANGO_SETTINGS_MODULE": "eiso.settings.production",
        "EISO_SECRET_KEY": secrets.token_urlsafe(50),
        "EISO_AUDIT_KEYS": f"k1:{secrets.token_urlsafe(32)}",
        "EISO_ALLOWED_HOSTS": "127.0.0.1",
        "EISO_SSL_REDIRECT": "0",
        "EISO_VAR_DIR": str(var),
        "EISO_STATIC_ROOT": str(var / "static"),
        "EISO_MEDIA_ROOT": str(var / "media"),
        "DATABASE_URL": f"sqlite:///{var / 'eiso.sqlite3'}",
        "EISO_BIND": f"127.0.0.1:{port}",
        "EISO_WEB_WORKERS": "2",
        "PYTHONPATH": str(ROOT / "src"),
    }
    manage = [sys.executable, str(ROOT / "src" / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput", "-v", "0"], env=env, check=True)
    create = "from accounts.models import User; User.objects.create_superuser('quantri', 'q@example.vn', PASSWORD)"
    create = create.replace("PASSWORD", repr(PASSWORD))
    subprocess.run([*manage, "shell", "-c", create], env=env, check=True)
    process = subprocess.Popen(
        [str(ROOT / "eiso"), "serve"],
        env=env,
        cwd=ROOT,
        start_new_session=True,
        stdout=open(var / "serve.log", "w"),
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert process.poll() is None, (var / "serve.log").read_text()
                time.sleep(0.5)
        else:
            pytest.fail("./eiso serve did not listen: " + (var / "serve.log").read_text()[-2000:])
        yield port, var, process
    finally:  # the whole stack stops, also when it never listened (a stack left running holds its port and CPU)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def test_an_official_logs_in_through_the_production_stack(stack):
    port, var, process = stack
    browser = Browser(port)
    response, page = browser.request("GET", "/accounts/login/")
    assert response.status == 200 and "Đăng nhập" in page
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "Secure" in response.headers["Set-Cookie"]  # production settings: cookies only over HTTPS
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = f"csrfmiddlewaretoken={token}&username=quantri&password=Song-Co-Chien%402026"
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Referer": f"https://127.0.0.1:{port}/"}
    response, _ = browser.request("POST", "/accounts/login/", form, headers)
    assert response.status == 302 and response.headers["Location"] == "/"
    response, home = browser.request("GET", "/")
    assert response.status == 200 and 'data-testid="home-title"' in home
    css = re.search(r'href="(/static/eiso/eiso\.[0-9a-f]+\.css)"', home).group(1)  # WhiteNoise's hashed names
    response, _ = browser.request("GET", css)
    assert response.status == 200 and "max-age=315360000" in response.headers["Cache-Control"]
    log = (var / "serve.log").read_text()
    assert "gunicorn" in log.lower() and "Booting worker" in log
    assert (var / "worker.log").exists() and (var / "scheduler.log").exists() and process.poll() is None

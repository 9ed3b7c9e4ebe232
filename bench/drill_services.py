"""The servers the fault drills start for themselves: a private redis-server on a free port, Celery workers
and beat pointed at it, and a browser-like login over plain HTTP. Used by ``drill_redis_stop.py`` and
``drill_worker_kill.py``; the shared Redis on 6379 is never touched.

Every process is started in its own session (process group), so that ``annotate_load._stop`` (SIGTERM,
then SIGKILL) or ``kill_group`` (SIGKILL at once, as a lost machine or the OOM killer would) ends it with
all of its children.
"""
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import annotate_load as kit  # the shared machinery: free ports, and _stop ends these processes too

ROOT = Path(__file__).resolve().parent.parent


class RedisServer:
    """``redis-server --port N --save "" --appendonly no``: nothing persists, a restart starts empty."""

    def __init__(self, port: int = 0):
        self.port = kit._free_port(port)
        self.process = None

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> "RedisServer":
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.ping():
                return self
            if self.process.poll() is not None:
                raise SystemExit(f"redis-server on port {self.port} exited with {self.process.returncode}")
            time.sleep(0.05)
        raise SystemExit(f"redis-server on port {self.port} did not answer")

    def ping(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(15)
        self.process = None


def drill_env(**overrides) -> dict:
    """The environment of the app's processes in a drill: production settings over plain HTTP."""
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "annotation_platform.settings", "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "drill-only-secret", "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0", "SECURE_HSTS_SECONDS": "0", "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2"),
    }
    env.update({k: str(v) for k, v in overrides.items()})
    return env


def celery_worker(env: dict, log_path: Path, *, queues: str = "default,gpu", beat_schedule: Path | None = None,
                  pool: str = "prefork", concurrency: int = 1) -> subprocess.Popen:
    """``celery -A annotation_platform worker`` (``-B`` with ``beat_schedule``), its output in ``log_path``.

    Celery reads CELERY_BROKER_URL from the environment before the settings, so ``env`` decides the broker."""
    command = [sys.executable, "-m", "celery", "-A", "annotation_platform", "worker", "-Q", queues, "--pool", pool,
               "--concurrency", str(concurrency), "--loglevel", "INFO", "--without-gossip", "--without-mingle",
               "--without-heartbeat", "-n", f"drill-{queues.replace(',', '-')}-{time.monotonic_ns()}@%h"]
    if beat_schedule is not None:
        command += ["-B", "--schedule", str(beat_schedule)]
    log = open(log_path, "a")
    try:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    finally:
        log.close()


def wait_for_log(log_path: Path, pattern: str, *, after: int = 0, timeout: float = 120.0,
                 process: subprocess.Popen | None = None) -> float:
    """Waits until ``pattern`` (a regex) appears in the log past byte ``after``; returns when (time.time())."""
    deadline = time.time() + timeout
    regex = re.compile(pattern)
    while time.time() < deadline:
        if regex.search(log_path.read_text(errors="replace")[after:]):
            return time.time()
        if process is not None and process.poll() is not None:
            raise SystemExit(f"the process exited with {process.returncode}; log tail:\n{tail(log_path)}")
        time.sleep(0.1)
    raise SystemExit(f"{pattern!r} did not appear in {log_path.name} within {timeout:.0f} s; "
                     f"log tail:\n{tail(log_path)}")


def tail(log_path: Path, chars: int = 3000) -> str:
    try:
        return log_path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL to the process and all of its children at once (nothing gets to clean up)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def login(port: int, username: str, password: str) -> dict:
    """Logs in through the login page as a browser does (GET the form and its CSRF cookie, POST it), then
    opens the projects page (``/``) with the session. Returns the statuses seen."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/accounts/login/")
        response = conn.getresponse()
        html = response.read().decode(errors="replace")
        cookies = _cookies(response)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        body = urlencode({"csrfmiddlewaretoken": token.group(1) if token else "", "username": username,
                          "password": password})
        conn.request("POST", "/accounts/login/", body=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": _cookie_header(cookies)})
        posted = conn.getresponse()
        posted.read()
        cookies.update(_cookies(posted))
        conn.request("GET", "/", headers={"Cookie": _cookie_header(cookies)})
        page = conn.getresponse()
        page.read()
        return {"form": response.status, "post": posted.status, "session": "sessionid" in cookies,
                "page": page.status}
    except (OSError, http.client.HTTPException):
        return {"form": 0, "post": 0, "session": False, "page": 0}  # a dropped connection
    finally:
        conn.close()


def _cookies(response) -> dict:
    found = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            found[name.strip()] = rest.split(";", 1)[0]
    return found


def _cookie_header(cookies: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


def api(port: int, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict, float]:
    """One API call with a token; (status, JSON body or {}, seconds)."""
    import json

    started = time.time()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=json.dumps(body).encode() if body is not None else None, headers={
            "Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"})
        response = conn.getresponse()
        data = response.read()
    except (OSError, http.client.HTTPException):
        return 0, {}, time.time() - started  # a dropped connection: status 0
    finally:
        conn.close()
    try:
        parsed = json.loads(data) if data else {}
    except ValueError:
        parsed = {"raw": data[:300].decode(errors="replace")}
    return response.status, parsed, time.time() - started

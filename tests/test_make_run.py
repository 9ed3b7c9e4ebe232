"""``make run`` end to end on the embedded defaults: migrate, seed, gunicorn and a Celery worker.

The web app must answer, serve static files, and let a demo user log in; the worker must come up
on the filesystem transport; SIGTERM must stop everything.
"""
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.5)
    raise AssertionError(f"timed out waiting for {what}")


def status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status
    except OSError:
        return None


def gone(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat.rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has exited already


def test_make_run_serves_the_app_with_a_worker_and_stops_on_sigterm(tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in {
        "DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "CELERY_TASK_ALWAYS_EAGER", "MAKEFLAGS", "MFLAGS",
    }}
    env.update(DJANGO_SETTINGS_MODULE="annotation_platform.settings", VAR_DIR=str(tmp_path / "var"),
               PORT=str(port), HOST="127.0.0.1")
    log_path = tmp_path / "make-run.log"
    with open(log_path, "w") as log:
        make = subprocess.Popen(["make", "--no-print-directory", "run"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for(lambda: status(f"{base}/accounts/login/") == 200 or make.poll() is not None, 180, "the login page")
        output = log_path.read_text()
        assert make.poll() is None, output
        assert "annotator1   annotator1-demo   annotator" in output
        assert f"Open {base}/accounts/login/" in output
        wait_for(lambda: " ready." in log_path.read_text(), 60, "the Celery worker")
        assert (tmp_path / "var" / "db.sqlite3").exists()
        assert (tmp_path / "var" / "celery" / "broker").is_dir()
        assert status(f"{base}/static/css/app.css") == 200

        jar = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        browser.open(f"{base}/accounts/login/", timeout=10).read()
        csrf = next(c.value for c in jar if c.name == "csrftoken")
        form = urllib.parse.urlencode({"csrfmiddlewaretoken": csrf, "username": "annotator1",
                                       "password": "annotator1-demo"}).encode()
        landed = browser.open(urllib.request.Request(f"{base}/accounts/login/", data=form), timeout=10)
        assert landed.status == 200 and not landed.url.endswith("/accounts/login/")
        assert any(c.name == "sessionid" for c in jar)
    finally:
        os.killpg(make.pid, signal.SIGTERM)
        make.wait(timeout=60)

    output = log_path.read_text()
    serving = re.search(r"gunicorn pid (\d+), Celery worker pid (\d+)", output)
    assert serving, output
    pids = [int(pid) for pid in serving.groups()]
    wait_for(lambda: all(gone(pid) for pid in pids), 60, "gunicorn and the worker to stop")

"""Annotation throughput over HTTP: gunicorn on PostgreSQL, 8 annotators looping next item → submit.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ap_load .venv/bin/python bench/annotate_load.py \\
        [--items 2000] [--seconds 20] [--annotators 8] [--port N] [--workers 3] [--threads 1] [--via api|browser]

What it does, in order:

1. Migrates the database, then creates a fresh project: N pairwise items (overlap 3, sides randomised),
   a small rubric of two dimensions (helpfulness and honesty, 1 to 5, both required on every label), and
   5 % gold items mixed in at gold rate 0.05, imported through ``apps.datasets.services.import_file``
   (native JSONL, in chunks of 25,000 rows; 200,000 items take about a minute), then ``VACUUM ANALYZE``
   as after any bulk load. Then the annotators, each a project member with an API token.
2. Starts gunicorn on the project's WSGI app (``QUERY_COUNT_HEADER=1`` so every response carries
   ``X-DB-Queries``; ``DEBUG=0``) on a free port and waits until it answers. Defaults, the fastest of
   those tried on a 2-core machine: 3 gthread workers of 1 thread, each holding at most 3 keep-alive
   connections (so the 8 annotators' connections spread evenly over the workers).
3. Runs one client per annotator (threads spread over two processes, each with an ``http.client``
   keep-alive connection) for ``--seconds``, each looping POST …/assignments/next/ → POST …/submit/
   with a JSON body as an API client sends it. The first ``--warmup`` seconds are not measured
   (workers load lazily); their labels are still checked.
   ``--via browser`` drives the pages instead, as the browser does: each annotator logs in through the login
   page (session and CSRF cookies), opens the workbench, then posts the label form the way htmx does
   (``HX-Request``, ``X-CSRFToken``, form encoding). One request stores the label and answers with the next
   item's HTML (Markdown rendered and sanitised, progress bar); the label id comes back in the ``label-saved``
   event of ``HX-Trigger``. That request is reported as ``label`` and fills the ``next_*`` and ``submit_*`` keys.
4. Stops gunicorn and checks the database: every acknowledged label is stored and nothing else is
   (``lost``, ``unacknowledged``), no item over its overlap, counted both by the trigger-kept
   ``labels_count`` and by counting current labels (``over_overlap``), no annotator twice on an item.
5. Prints annotations/s, p50/p95/p99 latency per call, queries per call (mean and max), where the
   machine's CPU went (gunicorn, the PostgreSQL backends of this database, the clients, anything else
   running: figures from a shared machine are only as quiet as it was), and as its LAST line one JSON
   object with the figures. Deletes the project and its users at the end; exits 1 if a check failed.
"""
import argparse
import http.client
import json
import multiprocessing
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 25_000
GOLD_SHARE = 0.05
WORDS = (
    "the model answer question because therefore however reward policy value function sample token sequence "
    "attention layer training loss rate human preference label response prompt example explain first second "
    "result step compute check verify assume consider python return list error database index query history"
).split()


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choices(WORDS, k=words)).capitalize() + "."


def _rows(start: int, stop: int, gold_every: int) -> bytes:
    rng = random.Random(start)
    lines = []
    for i in range(start, stop):
        row = {
            "id": f"b{i}",
            "prompt": f"Question {i}: {_text(rng, 25)}",
            "responses": [_text(rng, rng.randint(60, 140)), _text(rng, rng.randint(60, 140))],
        }
        if gold_every and i % gold_every == 0:
            row["gold"] = {"preference": 1, "scores": {"helpfulness": [5, 2], "honesty": [5, 3]}}
        lines.append(json.dumps(row))
    return "\n".join(lines).encode()


# --- the client: one thread per annotator, plain http.client over a keep-alive connection -----------------------


def _client(port, slug, token, deadline, out, seed):
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", "Accept": "application/json"}
    calls, acked, refused, done = [], [], [], False

    def call(kind, path, body=b""):
        started = time.perf_counter()
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        elapsed = time.perf_counter() - started
        calls.append((kind, started, elapsed, response.status, int(response.getheader("X-DB-Queries", "-1"))))
        return response.status, data

    while time.perf_counter() < deadline:
        status, data = call("next", f"/api/projects/{slug}/assignments/next/")
        if status == 204:
            done = True
            break
        if status != 200:
            raise RuntimeError(f"next: {status} {data[:300]!r}")
        assignment = json.loads(data)
        body = json.dumps({
            "preference": rng.choice((-1, 0, 1)),
            "scores": {"helpfulness": [rng.randint(1, 5), rng.randint(1, 5)],
                       "honesty": [rng.randint(1, 5), rng.randint(1, 5)]},
            "active_ms": rng.randint(2000, 60000),
        }).encode()
        status, data = call("submit", f"/api/projects/{slug}/assignments/{assignment['id']}/submit/", body)
        if status == 201:
            acked.append(json.loads(data)["id"])
        elif status == 409:
            refused.append(json.loads(data)["error"]["code"])
        else:
            raise RuntimeError(f"submit: {status} {data[:300]!r}")
    conn.close()
    out.append({"calls": calls, "acked": acked, "refused": refused, "done": done})


_ASSIGNMENT_ID = re.compile(rb'name="assignment_id" value="(\d+)"')


def _cookies(response, jar: dict) -> None:
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            jar[name.strip()] = rest.split(";", 1)[0]


def _browser_client(port, slug, credentials, deadline, out, seed):
    """The browser's path: log in through the login page, open the workbench, then post the label form as htmx
    does (``HX-Request``, the CSRF header, form encoding); the answer is the next item's HTML fragment, whose
    ``assignment_id`` the next post carries. One request per label: the submit and the next item together."""
    username, password = credentials.split(":", 1)
    rng = random.Random(seed)
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    origin = f"http://127.0.0.1:{port}"
    jar: dict = {}

    def request(method, path, body=b"", extra=None):
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()), **(extra or {})}
        if method == "POST":
            headers.update({"Content-Type": "application/x-www-form-urlencoded", "Origin": origin,
                            "X-CSRFToken": jar.get("csrftoken", "")})
        started = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        _cookies(response, jar)
        return response, data, started, time.perf_counter() - started

    request("GET", "/accounts/login/")
    login = urllib.parse.urlencode({"username": username, "password": password,
                                    "csrfmiddlewaretoken": jar.get("csrftoken", "")}).encode()
    response, data, _, _ = request("POST", "/accounts/login/", login)
    if response.status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"login: {response.status} {data[:300]!r}")
    htmx = {"HX-Request": "true", "HX-Current-URL": f"{origin}/projects/{slug}/label/"}
    calls, acked, refused, done = [], [], [], False
    response, data, started, elapsed = request("GET", f"/projects/{slug}/label/", extra=htmx)
    calls.append(("next", started, elapsed, response.status, int(response.getheader("X-DB-Queries", "-1"))))
    while time.perf_counter() < deadline:
        match = _ASSIGNMENT_ID.search(data)
        if match is None:
            done = True
            break
        form = [("assignment_id", match.group(1).decode()), ("preference", str(rng.choice((-1, 0, 1)))),
                ("active_ms", str(rng.randint(2000, 60000)))]
        form += [(f"score-{key}-{i}", str(rng.randint(1, 5))) for key in ("helpfulness", "honesty") for i in (0, 1)]
        response, data, started, elapsed = request(
            "POST", f"/projects/{slug}/label/", urllib.parse.urlencode(form).encode(), htmx)
        saved = json.loads(response.getheader("HX-Trigger") or "{}").get("label-saved")
        kind = "label" if saved else "label-refused"
        calls.append((kind, started, elapsed, response.status, int(response.getheader("X-DB-Queries", "-1"))))
        if response.status == 200 and saved:
            acked.append(saved["id"])
        elif response.status == 200 and b'class="message error"' in data:
            refused.append("refused")
        else:
            raise RuntimeError(f"label: {response.status} {data[:300]!r}")
    conn.close()
    out.append({"calls": calls, "acked": acked, "refused": refused, "done": done})


def _client_process(port, slug, tokens, deadline, queue, seed, client=None):
    """One process of client threads, one per token, each running ``client`` (default ``_client``)."""
    out = []
    client = client or _client

    def run(*args):
        try:
            client(*args)
        except Exception as error:  # reported by the parent
            out.append({"error": repr(error)})

    threads = [
        threading.Thread(target=run, args=(port, slug, token, deadline, out, seed + i))
        for i, token in enumerate(tokens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue.put(out)


# --- the server ---------------------------------------------------------------------------------------------------


def _free_port(port: int) -> int:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            raise SystemExit(f"port {port} is in use") from None
        return probe.getsockname()[1]


def _start_gunicorn(args) -> subprocess.Popen:
    env = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "annotation_platform.settings", "QUERY_COUNT_HEADER": "1",
        "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY") or "bench-only-secret",
        "SECURE_SSL_REDIRECT": "0", "SECURE_COOKIES": "0", "SECURE_HSTS_SECONDS": "0",  # plain HTTP on 127.0.0.1
        "ALLOWED_HOSTS": "127.0.0.1", "LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable, "-m", "gunicorn", "annotation_platform.wsgi:application",
        "--bind", f"127.0.0.1:{args.port}", "--workers", str(args.workers), "--threads", str(args.threads),
        "--worker-class", args.worker_class, "--keep-alive", "60",
        "--log-level", "warning", "--backlog", "256",
    ]
    if args.worker_class == "gthread":
        # A gthread worker keeps each keep-alive connection it accepted; capping how many it holds spreads
        # the annotators' connections evenly instead of by the luck of the accept race.
        command += ["--worker-connections", str(args.worker_connections or -(-args.annotators // args.workers))]
    if args.gunicorn_config:
        command += ["--config", args.gunicorn_config]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        time.sleep(0.2)
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=2)
            conn.request("GET", "/api/me/")
            if conn.getresponse().status in (401, 403):
                conn.close()
                return server
        except OSError:
            pass
    _stop(server)
    raise SystemExit("gunicorn did not answer within 60 s")


def _stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


# --- CPU accounting (Linux /proc): where the machine's time went during the run ----------------------------------


def _pid_cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            parts = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def _postgres_cpu(connection) -> float:
    """CPU seconds used so far by the PostgreSQL backends serving this database (not this process's own)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        pids = [row[0] for row in cursor.fetchall()]
    return sum(_pid_cpu(pid) for pid in pids)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _machine_busy() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot."""
    with open("/proc/stat") as stat:
        fields = [int(v) for v in stat.readline().split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]
    return (sum(fields) - idle) / tick, sum(fields) / tick


def _tree_cpu(root_pid: int) -> float:
    """CPU seconds used so far by a process and its children (gunicorn's master and workers)."""
    tick, total = os.sysconf("SC_CLK_TCK"), 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                parts = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(entry) == root_pid or int(parts[1]) == root_pid:
            total += (int(parts[11]) + int(parts[12])) / tick
    return total


# --- figures ------------------------------------------------------------------------------------------------------


def _pct(values, q):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def _summary(calls, kind):
    mine = [c for c in calls if c[0] == kind]
    latencies = [c[2] * 1000 for c in mine]
    queries = [c[4] for c in mine if c[4] >= 0]
    return {
        "n": len(mine),
        "p50_ms": _pct(latencies, 50), "p95_ms": _pct(latencies, 95), "p99_ms": _pct(latencies, 99),
        "max_ms": max(latencies, default=None),
        "queries_mean": statistics.fmean(queries) if queries else None,
        "queries_max": max(queries, default=None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--warmup", type=float, default=2)
    parser.add_argument("--annotators", type=int, default=8)
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--worker-class", default="gthread", choices=["gthread", "sync"],
                        help="gthread keeps connections alive; sync closes each after one response")
    parser.add_argument("--worker-connections", type=int, default=0,
                        help="gthread: connections one worker holds at most (default: annotators / workers, rounded up)")
    parser.add_argument("--client-processes", type=int, default=2)
    parser.add_argument("--gunicorn-config", help="extra gunicorn config file (e.g. hooks that profile a worker)")
    parser.add_argument("--via", choices=["api", "browser"], default="api",
                        help="api: JSON next + submit with a token; browser: log in, post the htmx label form "
                             "(one request stores the label and answers with the next item's HTML)")
    parser.add_argument("--keep", action="store_true", help="keep the project afterwards")
    args = parser.parse_args()

    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        sys.exit("set DATABASE_URL to a PostgreSQL database (it is migrated first)")
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "annotation_platform.settings"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ["QUERY_COUNT_HEADER"] = "0"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count, F

    from apps.accounts.models import Membership, Role, User
    from apps.accounts.services import token_create
    from apps.datasets.models import Item
    from apps.datasets.services import import_file
    from apps.labeling.models import Label
    from apps.projects.services import DimensionSpec, project_create, project_delete

    call_command("migrate", verbosity=0)
    if args.via == "browser":  # pages link hashed static files, as a deployment serves them (DEBUG=0)
        call_command("collectstatic", interactive=False, verbosity=0)
    args.port = _free_port(args.port)
    load_before = os.getloadavg()
    run = f"{int(time.time())}-{os.getpid()}"
    started = time.perf_counter()
    project = project_create(
        user=None, name=f"annotate load {run}", overlap=3, gold_rate=GOLD_SHARE, randomize_sides=True,
        dimensions=[DimensionSpec("helpfulness", "Helpfulness", "", 1, 5, {}),
                    DimensionSpec("honesty", "Honesty", "", 1, 5, {})],
    )
    users = []
    try:
        gold_every = round(1 / GOLD_SHARE)
        for start in range(0, args.items, CHUNK):
            batch = import_file(project=project, user=None, data=_rows(start, min(args.items, start + CHUNK), gold_every),
                                filename=f"load-{start}.jsonl", fmt="native")
            if batch.status != "accepted":
                raise SystemExit(f"import rejected: {batch.errors[:3]}")
        with connection.cursor() as cursor:
            # As after any bulk load: fresh statistics for the new project's rows (a plan made for an empty
            # project would sort every open item) and a vacuumed table, so autovacuum does not run mid-bench.
            for table in ("datasets_item", "datasets_itemresponse", "labeling_assignment", "labeling_label"):
                cursor.execute(f"VACUUM ANALYZE {table}")
        tokens = []
        for i in range(args.annotators):
            password = f"pw-{run}-{i}" if args.via == "browser" else None
            user = User.objects.create_user(username=f"load-{run}-{i}", password=password)
            users.append(user)
            Membership.objects.create(user=user, project=project, role=Role.ANNOTATOR)
            tokens.append(f"{user.username}:{password}" if password else token_create(user=user, name="load")[1])
        print(f"project {project.slug}: {args.items} items ({len(range(0, args.items, gold_every))} gold), "
              f"{args.annotators} annotators, set up in {time.perf_counter() - started:.1f} s")

        server = _start_gunicorn(args)
        try:
            queue = multiprocessing.get_context("fork").Queue()
            server_cpu0, machine0, clients0 = _tree_cpu(server.pid), _machine_busy(), _children_cpu()
            postgres0 = _postgres_cpu(connection)
            begin = time.perf_counter()
            deadline = begin + args.warmup + args.seconds
            groups = [tokens[i::args.client_processes] for i in range(args.client_processes)]
            procs = [
                multiprocessing.get_context("fork").Process(
                    target=_client_process,
                    args=(args.port, project.slug, group, deadline, queue, 1000 * i,
                          _browser_client if args.via == "browser" else None))
                for i, group in enumerate(groups) if group
            ]
            connection.close()  # the client processes are forked: they must not share this connection
            for proc in procs:
                proc.start()
            results = [client for _ in procs for client in queue.get(timeout=args.warmup + args.seconds + 120)]
            for proc in procs:
                proc.join()
            finished = time.perf_counter()
            server_cpu = _tree_cpu(server.pid) - server_cpu0
            postgres_cpu = _postgres_cpu(connection) - postgres0
            machine1, client_cpu = _machine_busy(), _children_cpu() - clients0
            machine_busy, machine_total = machine1[0] - machine0[0], machine1[1] - machine0[1]
        finally:
            _stop(server)

        connection.close()
        errors = [r["error"] for r in results if "error" in r]
        if errors:
            raise SystemExit(f"a client failed: {errors[0]}")
        calls = [call for r in results for call in r["calls"]]
        acked = [label for r in results for label in r["acked"]]
        refused = [code for r in results for code in r["refused"]]
        ran_out = any(r["done"] for r in results)
        measure_from = begin + args.warmup
        window_end = min(finished, deadline)
        store_kind, stored_status = ("label", 200) if args.via == "browser" else ("submit", 201)
        if ran_out:  # the queue emptied early: measure up to the last submit
            window_end = max(c[1] + c[2] for c in calls if c[0] == store_kind)
        measured = [c for c in calls if c[1] >= measure_from and c[1] + c[2] <= window_end]
        submitted = sum(1 for c in measured if c[0] == store_kind and c[3] == stored_status)
        if not submitted:
            raise SystemExit("no label was submitted in the measured window")
        per_s = submitted / (window_end - measure_from)

        stored = set(Label.objects.filter(item__project=project).values_list("pk", flat=True))
        lost = len(set(acked) - stored)
        unacknowledged = len(stored - set(acked))
        items = Item.objects.filter(project=project)
        over_count = items.filter(labels_count__gt=F("overlap")).count()
        over_actual = (
            Label.objects.filter(item__project=project, is_current=True).values("item", "item__overlap")
            .annotate(n=Count("pk")).filter(n__gt=F("item__overlap")).count()
        )
        twice = (
            Label.objects.filter(item__project=project, is_current=True).values("item", "annotator")
            .annotate(n=Count("pk")).filter(n__gt=1).count()
        )
        nxt, sub = _summary(measured, "next"), _summary(measured, "submit")
        if args.via == "browser":  # one request stores the label and answers with the next item
            nxt = sub = _summary([("label", *c[1:]) for c in measured if c[0].startswith("label")], "label")

        print(f"gunicorn: {args.workers} {args.worker_class} workers x {args.threads} threads; clients: {args.annotators} in "
              f"{args.client_processes} processes; measured {window_end - measure_from:.1f} s after "
              f"{args.warmup:.0f} s warm-up{' (queue ran out)' if ran_out else ''}")
        print(f"annotations/s: {per_s:.1f}  ({submitted} labels in the window, {len(acked)} in all)")
        shown = [("label", sub)] if args.via == "browser" else [("next", nxt), ("submit", sub)]
        for name, s in shown:
            print(f"{name:>6}: n={s['n']}  p50 {s['p50_ms']:.1f} ms  p95 {s['p95_ms']:.1f} ms  "
                  f"p99 {s['p99_ms']:.1f} ms  max {s['max_ms']:.1f} ms  queries {s['queries_mean']:.2f} "
                  f"(max {s['queries_max']})")
        labels_run = max(1, len(acked))
        print(f"CPU over the whole run ({finished - begin:.1f} s, {os.cpu_count()} cores): machine busy "
              f"{machine_busy:.1f} s of {machine_total:.1f} s; gunicorn {server_cpu:.1f} s "
              f"({1000 * server_cpu / labels_run:.2f} ms per label), PostgreSQL {postgres_cpu:.1f} s "
              f"({1000 * postgres_cpu / labels_run:.2f} ms per label), clients {client_cpu:.1f} s, anything else "
              f"running {machine_busy - server_cpu - postgres_cpu - client_cpu:.1f} s; load average before "
              f"{load_before[0]:.2f}")
        print(f"stored labels {len(stored)} == acknowledged submits {len(acked)}: {len(stored) == len(acked)}; "
              f"lost {lost}, unacknowledged {unacknowledged}; refused {len(refused)} {sorted(set(refused))}")
        print(f"items over overlap: {over_count} by labels_count, {over_actual} by counting labels; "
              f"annotator twice on an item: {twice}")
        figures = {
            "items": args.items, "annotators": args.annotators, "seconds": round(window_end - measure_from, 2),
            "annotations_per_s": round(per_s, 1),
            "next_p50_ms": round(nxt["p50_ms"], 2), "next_p95_ms": round(nxt["p95_ms"], 2),
            "next_p99_ms": round(nxt["p99_ms"], 2),
            "submit_p50_ms": round(sub["p50_ms"], 2), "submit_p95_ms": round(sub["p95_ms"], 2),
            "submit_p99_ms": round(sub["p99_ms"], 2),
            "queries_per_next": round(nxt["queries_mean"], 2), "queries_per_next_max": nxt["queries_max"],
            "queries_per_submit": round(sub["queries_mean"], 2), "queries_per_submit_max": sub["queries_max"],
            "labels_stored": len(stored), "submits_acknowledged": len(acked), "refused": len(refused),
            "lost": lost, "unacknowledged": unacknowledged, "over_overlap": over_count + over_actual,
            "annotator_twice": twice, "via": args.via, "workers": args.workers, "threads": args.threads, "worker_class": args.worker_class,
            "server_cpu_ms_per_label": round(1000 * server_cpu / labels_run, 2),
            "postgres_cpu_ms_per_label": round(1000 * postgres_cpu / labels_run, 2),
            "machine_busy_share": round(machine_busy / machine_total, 3), "load_before": round(load_before[0], 2),
        }
        ok = lost == 0 and unacknowledged == 0 and over_count == 0 and over_actual == 0 and twice == 0
    finally:
        if not args.keep:
            project_delete(project)
            User.objects.filter(pk__in=[u.pk for u in users]).delete()
    print(json.dumps(figures))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

"""PostgreSQL restart drill: the load of ``drill_load.py`` with PostgreSQL restarted in the middle of it
(``pg_ctlcluster --skip-systemctl-redirect <version> main restart``; needs the right to do that).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ap_drill .venv/bin/python bench/drill_postgres_restart.py \\
        [--annotators 50] [--seconds 300] [--restart-postgres-at S (default: half-way)]

What must hold: requests in flight during the restart fail cleanly (a dropped connection or a 5xx inside the
restart window, never a 5xx outside it), clients retry (the same submit again: idempotent), and afterwards the
labels stored equal the acknowledged submits exactly (none lost, none unacknowledged, none duplicated), no item
over its overlap. Last line: one JSON object (drill_load's figures plus ``postgres_restart_s``).
"""
import json
import sys

import drill_load


def main() -> None:
    args = drill_load.parser().parse_args()
    if args.restart_postgres_at is None:
        args.restart_postgres_at = args.seconds / 2
    figures = drill_load.run_drill(args)
    figures["recovered"] = figures["ok"] and figures["labels_acknowledged"] > 0
    print(json.dumps(figures))
    sys.exit(0 if figures["recovered"] else 1)


if __name__ == "__main__":
    main()

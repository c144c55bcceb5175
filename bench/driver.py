"""Runs pieces of a generated pipeline for bench/run.mjs and prints seconds as JSON.

The generated modules are imported from the folder given on the command line,
as the deploy would find them beside itself in the uploaded output folder.

    python driver.py migrate OUTPUT BASE DOMAIN...
    python driver.py release OUTPUT BASE ROUNDS KEEP
    python driver.py cleanup OUTPUT BASE RELEASES KEEP
    python driver.py health OUTPUT BASE ROUNDS URL RESTART...
"""

from __future__ import annotations

import contextlib
import grp
import io
import json
import os
import pwd
import sys
import time
from pathlib import Path


def load(output: str, module: str):
    sys.path.insert(0, output)
    loaded = __import__(module)
    if hasattr(loaded, "HERE"):
        loaded.HERE = Path(output)
    return loaded


def migrate(output: str, base: str, domains: list[str]) -> dict:
    mcc_db = load(output, "mcc_db")
    start = time.perf_counter()
    migrations = mcc_db.load_migrations(Path(output) / "mcc" / "migrations")
    applied = 0
    for database in mcc_db.databases(Path(base), domains):
        applied += len(mcc_db.migrate(database, migrations))
    return {"seconds": time.perf_counter() - start, "applied": applied}


def stage(deploy, base: str, **conf):
    return deploy.Stage(
        "bench", {"keep_builds": conf.pop("keep")}, {"REMOTE_BASE": base, **conf}
    )


def release(output: str, base: str, rounds: int, keep: int) -> dict:
    """Each round: a new release copied in and given its permissions, as the
    deploy does (an unchanged file is shared with the running release only once
    both have the same mode), the links switched, old ones removed."""
    deploy = load(output, "mcc_deploy")
    user = pwd.getpwuid(os.getuid()).pw_name
    group = grp.getgrgid(os.getgid()).gr_name
    selected = stage(deploy, base, keep=keep, DIR_USER=user, DIR_GROUP=group)
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            previous = deploy.current_release(selected.base, "current-api")
            name = deploy.new_release_name(selected.base)
            deploy.copy_release(selected.base, name)
            deploy.fix_permissions(
                selected, deploy.release_paths(selected.base, name), []
            )
            deploy.switch_links(selected.base, name)
            deploy.clean_up_releases(selected, previous)
        times.append(time.perf_counter() - start)
    return {"seconds": times}


def cleanup(output: str, base: str, count: int, keep: int) -> dict:
    """Clean up a folder of count small releases down to keep."""
    deploy = load(output, "mcc_deploy")
    selected = stage(deploy, base, keep=keep)
    api = Path(base) / "api"
    for index in range(count):
        folder = api / f"{deploy.RELEASE_PREFIX}20240101T{index:06d}.000000Z"
        (folder / "app").mkdir(parents=True)
        for name in ("__init__.py", "main.py", "models.py"):
            (folder / "app" / name).write_text("x = 1\n")
    with contextlib.redirect_stdout(io.StringIO()):
        deploy.switch_links(selected.base, deploy.releases(api)[-1])
        start = time.perf_counter()
        deploy.clean_up_releases(selected, None)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "left": len(deploy.releases(api))}


def health(output: str, base: str, rounds: int, url: str, restart: list[str]) -> dict:
    """Restart through RESTART_COMMAND and wait until the smoke URL answers."""
    deploy = load(output, "mcc_deploy")
    selected = stage(
        deploy,
        base,
        keep=10,
        SERVICE_NAME="app",
        RESTART_COMMAND=restart,
        SMOKE_URLS=[url],
    )
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            deploy.restart_services(selected)
            deploy.wait_healthy(selected)
        times.append(time.perf_counter() - start)
    return {"seconds": times}


def main(argv: list[str]) -> None:
    kind, output, base, *rest = argv
    if kind == "migrate":
        result = migrate(output, base, rest)
    elif kind == "release":
        result = release(output, base, int(rest[0]), int(rest[1]))
    elif kind == "cleanup":
        result = cleanup(output, base, int(rest[0]), int(rest[1]))
    elif kind == "health":
        result = health(output, base, int(rest[0]), rest[1], rest[2:])
    else:
        raise SystemExit(f"unknown measurement {kind!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])

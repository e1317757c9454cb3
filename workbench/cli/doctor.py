"""``workbench doctor``: every check with what to fix, and exit status 1 on a failure, so that
a setup script can stop before the first real command fails less helpfully."""

from __future__ import annotations

import argparse

from workbench.cli.output import print_json, safe


def run(args: argparse.Namespace) -> int:
    from workbench.doctor import run_checks

    checks = run_checks()
    if args.json:
        print_json([c.as_dict() for c in checks])
    else:
        marks = {"ok": "ok  ", "warn": "WARN", "fail": "FAIL", "skip": "skip"}
        for check in checks:
            print(f"[{marks[check.status]}] {check.name:<13} {safe(check.detail)}")
            if check.fix and check.status != "ok":
                print(f"{'':21}-> {safe(check.fix)}")
            elif check.fix:
                print(f"{'':21}   {safe(check.fix)}")
    return 1 if any(c.status == "fail" for c in checks) else 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("doctor", help="check configuration, database, schema and storage")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)

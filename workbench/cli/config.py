"""``workbench config``: the effective configuration and where each value came from, so that a
surprising value can be traced to its environment variable or file without reading code."""

from __future__ import annotations

import argparse

from workbench.cli.output import print_aligned, print_json, safe


def run(args: argparse.Namespace) -> int:
    from workbench.config import Config

    config = Config.load()
    rows = list(config.describe())
    if args.json:
        print_json(
            {
                "config_file": str(config.paths.config_file),
                "home": str(config.paths.home) if config.paths.home else None,
                "settings": {k: {"value": v, "source": s} for k, v, s in rows},
            }
        )
        return 0
    home = config.paths.home or "(not set: platform directories)"
    print(f"WORKBENCH_HOME  {safe(home)}")
    print(
        f"config file     {safe(config.paths.config_file)}"
        f"{'' if config.paths.config_file.is_file() else '  (not present)'}"
    )
    print_aligned((key, f"{value}  [{source}]") for key, value, source in rows)
    return 0


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("config", help="print the effective configuration and its sources")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=run)

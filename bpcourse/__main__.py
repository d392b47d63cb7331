"""``python -m bpcourse exercises`` and ``python -m bpcourse grade``.

    python -m bpcourse exercises [--source solutions --dest exercises]
        write the students' notebooks from the complete ones (see bpcourse.exercises)
    python -m bpcourse translate [--check]
        update locale/zh_CN/ and write the Chinese edition (see bpcourse.translate)
    python -m bpcourse grade PATH... [--csv FILE] [--jobs N] [--seed SECRET] [--timeout S] [--solutions DIR]
        grade submitted notebooks, each in a sandbox (see bpcourse.grade)
    python -m bpcourse site [--out build/site] [--hub-url URL] ...
        build the course as a static website (see bpcourse.site)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _exercises(argv: list[str]) -> int:
    from bpcourse.exercises import generate, repo_root

    parser = argparse.ArgumentParser(prog="python -m bpcourse exercises",
                                     description="Generate exercises/ from solutions/ (nbgrader's format).")
    parser.add_argument("--source", default=None, help="folder of solution notebooks (default: solutions/)")
    parser.add_argument("--dest", default=None, help="folder to write (default: exercises/)")
    args = parser.parse_args(argv)
    source = Path(args.source) if args.source else repo_root() / "solutions"
    dest = Path(args.dest) if args.dest else repo_root() / "exercises"
    if not source.is_dir():
        parser.error(f"--source {source} is not a folder")
    for path in generate(source, dest):
        print(f"wrote {path}")
    return 0


def _translate(argv: list[str]) -> int:
    from bpcourse.exercises import repo_root
    from bpcourse.translate import run

    parser = argparse.ArgumentParser(
        prog="python -m bpcourse translate",
        description="Update the catalogues in locale/zh_CN/ from the English notebooks and write "
                    "notebooks/zh, solutions/zh and exercises/zh.")
    parser.add_argument(
        "--check", action="store_true",
        help="write nothing; exit 1 if a file is stale or a paragraph has no current translation")
    args = parser.parse_args(argv)
    report = run(repo_root(), write=not args.check)
    for line in report.lines():
        print(line)
    for path in report.changed:
        print(f"{'stale' if args.check else 'wrote'} {path.relative_to(repo_root())}")
    if args.check:
        return 0 if report.complete and not report.changed else 1
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    commands = {"exercises": _exercises, "translate": _translate}
    if argv and argv[0] == "grade":
        from bpcourse.grade import main as grade_main

        return grade_main(argv[1:])
    if argv and argv[0] == "site":
        from bpcourse.site import main as site_main

        return site_main(argv[1:])
    if not argv or argv[0] not in commands:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    return commands[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main())

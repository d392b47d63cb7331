"""The trusted grader's side: exercise specs (``exNN.py``), the judging helpers (``spec.py``) and
the engine that runs submissions in a sandbox (``engine.py``).

Nothing here is ever imported inside a sandbox: the sandbox sees the course package with this
folder hidden. ``exercises()`` finds every ``bpcourse/grading/exNN.py`` that defines ``EXERCISE``.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from functools import cache

from bpcourse.grading.spec import Exercise


@cache
def exercises() -> dict[str, Exercise]:
    """{exercise name ("ex01_gates"): its Exercise}, from every module ``bpcourse.grading.exNN``."""
    found: dict[str, Exercise] = {}
    for info in pkgutil.iter_modules(__path__):
        if re.fullmatch(r"ex\d\d", info.name):
            module = importlib.import_module(f"{__name__}.{info.name}")
            spec = getattr(module, "EXERCISE", None)
            if isinstance(spec, Exercise):
                found[spec.name] = spec
    return dict(sorted(found.items()))

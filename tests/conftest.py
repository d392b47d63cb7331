"""Library tests draw with the non-interactive Agg backend; under xdist the longest modules start first.

Only here: exporting MPLBACKEND=Agg into an nbval run would make notebook figures vanish.
"""

import matplotlib
import pytest

matplotlib.use("Agg")

# The browser tests' shared fixture (sync_playwright: playwright, or a skip that says what is missing).
pytest_plugins = ["browser_support"]

# README's command, ``pytest -n 2 --dist loadscope``, hands each worker whole modules (a notebook is
# one module, so nbval keeps its cells in one kernel). xdist's own order puts the modules with the
# most tests first, which left the site build (a few tests, minutes of work) for the end, where one
# worker built it alone while the other sat idle. These scopes take longest (measured with
# --durations); they are handed out first, longest first, and the many short ones fill the gaps.
LONGEST_FIRST = [
    "tests/test_site.py",
    "tests/test_widgets.py",
    "tests/test_ex06_ex07.py",
    "tests/test_grade.py",
    "tests/test_browser.py",
    "tests/test_benchmarks.py",
    "tests/test_lecture_claims_zhou.py",
    "tests/test_translation.py",
    "tests/test_grade_nbgrader.py",
    "tests/test_grading_new.py",
    "notebooks/zh/07_standard_vs_accumulated_bp.ipynb",
    "notebooks/07_standard_vs_accumulated_bp.ipynb",
    "tests/test_grade_answers.py",
    "tests/test_repo.py",
    "tests/test_grade_hostile.py",
    "tests/test_gates.py",
]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class LongestFirst(LoadScopeScheduling):
        def _assign_work_unit(self, node):
            for scope in reversed(LONGEST_FIRST):
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
            super()._assign_work_unit(node)

    return LongestFirst(config, log)

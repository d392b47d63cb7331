"""The explorers' public import path: ``from bpcourse.widgets import zhou_trainer``.

Everything lives in the package ``bpcourse.explorers`` (one module per explorer, and ``shell``
for what they share); this module only re-exports it.
"""

from bpcourse.explorers import *  # noqa: F403
from bpcourse.explorers import __all__  # noqa: F401

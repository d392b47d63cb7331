"""Library tests draw with the non-interactive Agg backend.

Only here: exporting MPLBACKEND=Agg into an nbval run would make notebook figures vanish.
"""

import matplotlib

matplotlib.use("Agg")

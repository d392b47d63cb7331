"""Sphinx configuration for the course website (built by ``python -m bpcourse site``).

The builder copies this folder to ``build/site-src/``, adds the executed lectures and the students'
exercises, and runs Sphinx. Everything the pages load is served from the site itself: MathJax,
fonts, scripts. Settings a lecturer may change come from environment variables set by the builder.
"""

import os

project = "bpcourse"
author = "the bpcourse authors"
copyright = "the bpcourse authors"
language = os.environ.get("BPCOURSE_SITE_LANGUAGE", "en")

extensions = ["myst_nb", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.viewcode"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]

# The builder executes the notebooks itself (it needs their widget state for the explorers'
# pictures), so myst-nb only renders what is stored.
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]

# MathJax 3 from the site's own _static folder (the django-static-mathjax wheel ships it).
mathjax_path = "mathjax/tex-svg.js"
html_static_path = ["_static"]
# The language switch links each page to its other edition, when the Chinese one was built.
html_js_files = ["language-switch.js"] if os.environ.get("BPCOURSE_SITE_ZH") == "1" else []
html_title = "bpcourse: backpropagation you can see, derive, check and build"
html_theme = "sphinx_book_theme"
html_copy_source = True

_repository = os.environ.get("BPCOURSE_REPOSITORY_URL", "")
_hub = os.environ.get("BPCOURSE_HUB_URL", "")
_binder = os.environ.get("BPCOURSE_BINDER_URL", "")
html_theme_options = {
    "use_download_button": True,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "home_page_in_toc": True,
    "path_to_docs": "",
    "repository_branch": "main",
    "launch_buttons": {"notebook_interface": "jupyterlab"},
}
if _repository:
    html_theme_options["repository_url"] = _repository
    if _hub:
        html_theme_options["launch_buttons"]["jupyterhub_url"] = _hub
    if _binder:
        html_theme_options["launch_buttons"]["binderhub_url"] = _binder

autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}

# Light pages by default (the reader may switch); also keeps the theme from logging a console error.
html_context = {"default_mode": "light"}

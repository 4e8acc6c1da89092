"""Sphinx configuration of the course website (``make site``; pages staged by ``site_src/build.py``).

The notebooks are shown with their saved outputs: nothing is executed during the build. MathJax is
served from the site itself (the ``jupyter-server-mathjax`` package's copy), so a reader's browser
needs no CDN.
"""

project = "Why gradient descent trains over-parameterized networks"
author = "the course's authors"
copyright = "the course's authors, MIT licence"

extensions = ["myst_nb"]
nb_execution_mode = "off"  # the lectures are committed executed; the site shows those outputs
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "html_image"]
myst_dmath_double_inline = True  # a $$…$$ display inside a paragraph, as Jupyter renders it
myst_heading_anchors = 3
myst_update_mathjax = False  # the MathJax 2 configuration below replaces myst's MathJax 3 one

root_doc = "index"
exclude_patterns = ["_ipynb/**", "**.ipynb_checkpoints"]

html_theme = "sphinx_book_theme"
html_title = "Over-parameterized networks: a course"
html_theme_options = {
    "show_toc_level": 2,
    "use_download_button": True,
    "home_page_in_toc": True,
    "navigation_with_keys": False,
}
html_favicon = "_static/favicon.svg"  # also spares the browser a request for a missing /favicon.ico
html_context = {"default_mode": "light"}
html_show_sourcelink = False
html_last_updated_fmt = None

# build.py copies the jupyter-server-mathjax package's MathJax 2 into site/_static/mathjax/
mathjax_path = "mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full"
mathjax2_config = {
    "tex2jax": {"inlineMath": [["\\(", "\\)"]], "displayMath": [["\\[", "\\]"]], "processEscapes": True},
    "TeX": {"noErrors": {"disabled": True}, "noUndefined": {"disabled": True}},
    # the STIX-Web fonts are the ones the package ships; MathJax's blank test font would load
    # about:blank, which Chromium refuses (a console error), so it points at a local font instead
    "HTML-CSS": {"availableFonts": [], "imageFont": None, "preferredFont": None, "webFont": "STIX-Web",
                 "styles": {"@font-face": {"font-family": "MathJax_Blank", "src": "local('MathJax_Blank')"}}},
    # the hidden MathML copy for screen readers would make Chromium fetch MathJax's TeX fonts, which
    # the package does not ship (404s); the typeset formulas keep their TeX source for copying
    "AssistiveMML": {"disabled": True},
    "menuSettings": {"assistiveMML": False},
    "messageStyle": "none",
    "showMathMenu": False,
}

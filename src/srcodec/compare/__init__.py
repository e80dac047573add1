"""`srcodec compare`: one self-contained HTML page of an image's decodes at matched size.

Modules: select (matched-size search over a codec spec's quality grid), build (code and
score every codec), page (render the HTML from page.html), command (argparse).
"""

from __future__ import annotations

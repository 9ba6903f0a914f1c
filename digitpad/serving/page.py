"""The pad as a web page: the files of web/ beside it, served as they are (no build step, nothing from
another site), each with a strict Content-Security-Policy.

Only the files found in that folder when the server starts are served, by their exact name: a
request path is looked up, never joined to a folder, so no encoding of ``..``, no absolute path and
no long path can reach another file (they are all 404).
"""
from pathlib import Path

from .http import Response

WEB_DIR = Path(__file__).with_name("web")
TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8", ".svg": "image/svg+xml", ".png": "image/png"}
MAX_FILE_BYTES = 1 << 20
# No inline script or style, nothing from elsewhere; the page talks to this server only.
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
HEADERS = (("Content-Security-Policy", CSP), ("Referrer-Policy", "no-referrer"), ("X-Frame-Options", "DENY"),
           ("Cache-Control", "no-cache"))  # kept, but checked each time: a new version shows at once


def page_files(folder=WEB_DIR):
    """{request path: Response} for the page's regular files in ``folder`` (not below it; symbolic
    links and unknown kinds left out), "/" standing for index.html."""
    files = {}
    for path in sorted(Path(folder).iterdir()):
        if path.suffix in TYPES and path.is_file() and not path.is_symlink() \
                and path.stat().st_size <= MAX_FILE_BYTES:
            files["/" + path.name] = Response(path.read_bytes(), TYPES[path.suffix], HEADERS)
    if "/index.html" in files:
        files["/"] = files["/index.html"]
    return files

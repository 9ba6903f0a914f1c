"""The digit pad as a web page, and a small HTTP API for the digit model.

Usage:
    digitpad-serve [--weights weights/] [--host 127.0.0.1] [--port 8000] [--samples DIR]
                   [--max-body 1048576] [--max-connections 2048] [--max-per-address N]
                   [--threshold 0.5] [--temperature 0.8] [--quiet]
(or python tools/serve.py from a checkout)

Open http://127.0.0.1:8000/ for the pad in a browser: draw with a mouse, a finger or a pen; keys c
(clear), u and z (undo), n (number mode), + and - (brush). With --samples DIR the page can save a
drawing as a labelled sample in DIR, as the pad's digit keys do (then `t` in the pad, or train.py).
--host 0.0.0.0 shares it on your network: anyone who can reach this machine can then use it.

Endpoints:
    GET  /             the web page (its files are served from digitpad/serving/web/)
    POST /predict      JSON {"pixels": [784 floats in 0..1]} (MNIST style: white digit on black,
                       row by row), or a PNG, JPEG or BMP body (Content-Type image/png, image/jpeg
                       or image/bmp; up to 16 megapixels, either polarity, prepared like the pad's canvas)
                       -> {"prediction": 7, "confidence": 0.98, "sure": true, "probabilities": {"0": ..., "9": ...}}
                       ("sure": false when the confidence is under --threshold, a 1's under half of it
                       or under twice any other digit's: probably not a digit; an image's answer says
                       "scan": true where it is a small bitmap blown up or a blurred photo, its
                       probabilities then sharpened at --temperature, 1: as the network gives them)
                       or JSON {"strokes": [{"brush": 26, "points": [[x, y], ...]}], "canvas_size": [w, h]}
                       read as the pad reads them; the answer then carries "input", the 28x28 input
    POST /predict/number  the same bodies, read as a whole number
    POST /samples      (with --samples) {"label": 3, "strokes": ..., "canvas_size": ...}: saved as a sample
    GET  /config       -> {"threshold": 0.5, "temperature": 0.8, "samples": false}
    GET  /health       -> {"status": "ok", "model_loaded": true}
    GET  /model/info   -> the model's layer sizes, metrics and training summary
    (HEAD works wherever GET does.)

Bad requests get a 4xx answer with {"error": "..."}; a body over --max-body is refused from its
Content-Length without being read. Slow, idle, surplus and non-reading clients are cut off, one
address holds at most its share of the connections, requests take the addresses in turn, pictures
and numbers wait in a lane of their own, and a busy lane answers 503 with Retry-After (the limits in
digitpad/serving/http.py), so none can stall the others. Listens on 127.0.0.1 only unless --host says
otherwise.
"""
import os
import sys
from pathlib import Path

from digitpad import cli
from mnist_mlp import SURE, ModelError, load_model
from mnist_mlp.paths import WEIGHTS
from digitpad.reading import SCAN_TEMPERATURE, trajectory_network
from digitpad.serving.digits import make_app
from digitpad.serving.http import Server

MAX_BODY = 1 << 20


def make_server(model, host="127.0.0.1", port=8000, max_body=MAX_BODY, max_connections=2048, quiet=False,
                threshold=SURE, samples=None, max_per_address=None, max_held=None, temperature=SCAN_TEMPERATURE):
    log = (lambda line: None) if quiet else (lambda line: print(line, file=sys.stderr, flush=True))
    app = make_app(model, threshold, samples, log=log, temperature=temperature)
    return Server(app, host, port, max_body, max_connections, log=log, max_per_address=max_per_address,
                  max_held=max_held)


def samples_problem(folder):
    """Why the web page could not save samples in the folder named ``folder``, or "" (made if missing)."""
    if not folder.strip():  # not Path(""), which is the current folder
        return "--samples needs a folder"
    folder = Path(folder)
    if folder.is_symlink() and not folder.exists():
        return f"--samples {folder}: a symbolic link to nothing"
    if folder.exists() and not folder.is_dir():
        return f"--samples {folder}: not a folder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        return f"--samples {folder}: cannot make it ({e.strerror or e})"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"--samples {folder}: not writable"
    return ""


def main(argv=None):
    p = cli.parser(__doc__)
    p.add_argument("--weights", type=Path, default=WEIGHTS, help="model directory")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=8000, help="0 picks a free port")
    p.add_argument("--max-body", type=int, default=MAX_BODY, help="largest request body accepted, bytes")
    p.add_argument("--max-connections", type=int, default=2048, help="open connections at most; more get 503")
    p.add_argument("--max-per-address", type=int, default=None,
                   help="open connections from one address at most (default: an eighth of --max-connections)")
    p.add_argument("--threshold", type=float, default=SURE,
                   help="confidence under which an answer is not sure (a 1 needs half, and twice any other digit's)")
    p.add_argument("--temperature", type=cli.temperature, default=SCAN_TEMPERATURE,
                   help="an image that is a scan has its probabilities sharpened at this temperature, 0.05-20 "
                        "(1: as the network gives them)")
    p.add_argument("--quiet", action="store_true", help="no line per request")
    p.add_argument("--samples", default=None,
                   help="let the web page save drawings as labelled samples in this folder (off by default)")
    args = p.parse_args(argv)
    if not 0 <= args.port <= 65535:
        p.error("--port must be between 0 and 65535")
    if args.max_body < 1 or args.max_connections < 1 or (args.max_per_address or 1) < 1:
        p.error("--max-body, --max-connections and --max-per-address must be at least 1")
    if not 0 <= args.threshold <= 1:
        p.error("--threshold must be between 0 and 1")
    if args.samples is not None:
        problem = samples_problem(args.samples)
        if problem:
            p.error(problem)
        args.samples = Path(args.samples)
    try:
        model = load_model(args.weights)
        trajectory_network(model)
    except ModelError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    try:
        server = make_server(model, args.host, args.port, args.max_body, args.max_connections, args.quiet,
                             args.threshold, args.samples, args.max_per_address, temperature=args.temperature)
    except OSError as e:
        print(f"error: cannot listen on {args.host}:{args.port}: {e.strerror or e}"
              + (" (another server is using it; choose another --port)" if e.errno == 98 else ""), file=sys.stderr)
        return 1
    print(f"serving {args.weights} on http://{args.host}:{server.server_address[1]}/ (Ctrl-C stops)"
          + (f"; the page saves samples in {args.samples}" if args.samples else ""), file=sys.stderr)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: listening on {args.host}: anyone who can reach this machine can use the pad"
              + (" and fill the samples folder" if args.samples else ""), file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0



def command():
    """The installed command's entry point."""
    cli.run(main)

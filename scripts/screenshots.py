"""The README's screenshots: the site's main pages at a laptop's and a phone's width, so they stay current.

Usage: python3 scripts/screenshots.py [--binary PATH] [--out DIR] [--articles DIR]   (from the repository root)
Builds the release binary (unless --binary), serves the built-in graph on loopback (with --articles, the reader
pages too), opens each page in headless Chromium (Debian's `chromium`, driven by Playwright from PyPI) at 1366×900
and 390×844, and writes DIR/NAME-WIDTH.png (default DIR: docs/screenshots): the top of the page, two screens high. Prints one line per picture
with the page's height, and fails if a page is wider than the screen, logs a console error, or asks for anything
but the server.
"""
import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIDTHS = [(1366, 900), (390, 844)]
# The query the query page shows run: who plays whom (its default).
CAST = """# Who plays whom in the series, as the articles tell it.
SELECT ?actor ?character WHERE {
  ?role mk:person ?actor ;
        mk:playsCharacter ?character .
}
ORDER BY ?actor"""
PAGES = [
    ("home", "/"),
    ("series", "/id/missions"),
    ("person", "/id/julien-lacombe"),
    ("differences", "/id/broadcast-ocs-2017"),
    ("article", "/source/article-002"),
    ("query", "/ui/query?query=" + urllib.parse.quote(CAST)),
    ("timeline", "/timeline"),
    ("ontology", "/ontology"),
    ("search", "/search?q=Komarof"),
    ("error", "/queries/entity-facts?entity=Komarov"),
]
# With --articles: an article's text with its passages, and the series page quoting them.
READER = [("reader", "/source/article-002/text")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port, seconds=60):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on {port}")


def binary(given):
    if given:
        return given
    subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    return os.path.join(target, "release", "missions-kg")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", help="a built missions-kg (default: build the release one)")
    parser.add_argument("--out", default=os.path.join(ROOT, "docs", "screenshots"))
    parser.add_argument("--articles", help="the article texts, for the reader pages")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = free_port()
    command = [binary(args.binary), "serve", "--bind", f"127.0.0.1:{port}"]
    if args.articles:
        command += ["--articles", args.articles]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    errors = []
    try:
        wait_for(port)
        base = f"http://127.0.0.1:{port}"
        os.makedirs(args.out, exist_ok=True)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path="/usr/bin/chromium",
                args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
            )
            for width, height in WIDTHS:
                page = browser.new_page(viewport={"width": width, "height": height}, locale="en-GB")
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.on("request", lambda r: r.url.startswith(base) or errors.append("request to " + r.url))
                for name, path in PAGES + (READER if args.articles else []):
                    expected_status = name == "error"
                    # The error page's own status is logged as a failed load.
                    listener = lambda m: m.type == "error" and not expected_status and errors.append(f"{path}: {m.text}")
                    page.on("console", listener)
                    page.goto(base + path)
                    page.wait_for_load_state("networkidle")
                    page.remove_listener("console", listener)
                    wide = page.evaluate("document.documentElement.scrollWidth")
                    if wide > width:
                        errors.append(f"{path}: {wide}px wide on a {width}px screen")
                    tall = page.evaluate("document.documentElement.scrollHeight")
                    file = os.path.join(args.out, f"{name}-{width}.png")
                    # The top of a long page: enough to show it, small enough for a README.
                    clip = {"x": 0, "y": 0, "width": width, "height": min(tall, 2 * height)}
                    page.screenshot(path=file, full_page=True, clip=clip)
                    print(f"{file}\t{width}x{tall}")
                page.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    if errors:
        sys.exit("\n".join(errors))


if __name__ == "__main__":
    main()

"""Opens a running missions-kg server in a real browser (Debian's Chromium,
headless, driven by Playwright) and checks what a person sees.

Usage: python3 browser.py BASE_URL SCREENSHOT_DIR
Prints `ok NAME` per check and saves one PNG per page in SCREENSHOT_DIR; any
failure raises (non-zero exit). Every console message of level error fails
the run (a Content-Security-Policy violation is one).
"""
import os
import sys

from playwright.sync_api import expect, sync_playwright

base, shots = sys.argv[1].rstrip("/"), sys.argv[2]
os.makedirs(shots, exist_ok=True)
errors = []

with sync_playwright() as p:
    browser = p.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    )
    page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="en-GB")
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    # Nothing a page loads may leave the server (the editor's completers
    # would ask LOV and prefix.cc).
    page.on(
        "request",
        lambda request: request.url.startswith(base) or errors.append("request to " + request.url),
    )

    # Home: what the graph is, the articles, the stored queries.
    page.goto(base + "/")
    expect(page.locator("h1")).to_contain_text("knowledge graph")
    expect(page.locator("ul.articles")).to_contain_text("Article 000")
    page.screenshot(path=f"{shots}/home.png", full_page=False)
    print("ok home")

    # Search, accents optional, then follow the result.
    page.fill("main input[name=q]", "vivies")
    page.press("main input[name=q]", "Enter")
    page.wait_for_url("**/search?**")
    link = page.locator("ul.found a", has_text="Hélène")
    expect(link.first).to_be_visible()
    print("ok search")
    link.first.click()
    page.wait_for_url("**/id/helene-vivies")
    expect(page.locator("h1")).to_contain_text("Hélène Vivi")
    # Each fact with the articles that state it.
    expect(page.locator("table.facts a.source").first).to_be_visible()
    page.screenshot(path=f"{shots}/entity.png", full_page=True)
    print("ok entity")

    # The cast with their characters: one click on the home page.
    page.goto(base + "/")
    page.locator("form[action='/queries/cast'] button").click()
    page.wait_for_url("**/queries/cast**")
    table = page.locator("table.results")
    expect(table).to_contain_text("Clément Aubert")
    expect(table).to_contain_text("Simon Gramat")
    page.screenshot(path=f"{shots}/cast.png", full_page=True)
    print("ok cast")

    # A disagreement, side by side, each side with its article.
    page.goto(base + "/id/broadcast-ocs-2017")
    differ = page.locator("table.differ")
    # Dates in words, the value as written in the tooltip.
    expect(differ).to_contain_text("1 June 2017")
    expect(differ.locator("data[value='2017-06-01']").first).to_have_attribute("title", "2017-06-01 (xsd:date)")
    expect(differ).to_contain_text("article-001")
    expect(page.locator("tr.differ").first).to_be_visible()
    page.screenshot(path=f"{shots}/disagreement.png", full_page=True)
    print("ok disagreement")

    # An article: what it states, and where it differs.
    page.goto(base + "/source/article-002")
    expect(page.locator("h2", has_text="What this article states")).to_be_visible()
    expect(page.locator("h2", has_text="Where it differs")).to_be_visible()
    page.screenshot(path=f"{shots}/article.png", full_page=False)
    print("ok article")

    # The query editor (YASQE, vendored): highlighting, completion of the
    # graph's prefixes and properties without any network, Ctrl-Enter runs.
    page.goto(base + "/ui/query")
    expect(page.locator(".CodeMirror")).to_be_visible()
    expect(page.locator("textarea[name=query]")).to_be_hidden()
    expect(page.locator(".cm-keyword", has_text="SELECT").first).to_be_visible()
    print("ok editor highlighting")
    page.locator(".CodeMirror").click()
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    page.keyboard.type("PREFIX mk")
    page.keyboard.press("Control+Space")
    hints = page.locator(".CodeMirror-hints li")
    expect(hints.first).to_have_text("mk: <https://w3id.org/missions-kg/ontology#>")
    print("ok editor prefix completion")
    page.keyboard.press("Escape")
    page.keyboard.press("Control+A")
    page.keyboard.press("Delete")
    # `mkd:` and `mk:` are predeclared: the editor knows them and adds no
    # PREFIX line (YASGUI adds one for a prefix it does not know).
    page.keyboard.type("SELECT ?who WHERE { mkd:missions mk:cre")
    page.keyboard.press("Control+Space")
    expect(hints.filter(has_text="mk:creator")).to_have_count(1)
    print("ok editor property completion")
    page.keyboard.press("Escape")
    page.keyboard.type("ator ?who }")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**/ui/query?**")
    expect(page.locator("table.results")).to_contain_text("Julien Lacombe")
    expect(page.locator("p.downloads a", has_text="csv")).to_be_visible()
    expect(page.locator(".CodeMirror")).not_to_contain_text("PREFIX")
    assert page.locator(".parseErrorIcon").count() == 0
    page.screenshot(path=f"{shots}/query.png", full_page=False)
    print("ok query")

    # Without scripts the same page is a textarea and a form.
    plain = browser.new_page(java_script_enabled=False)
    plain.goto(base + "/ui/query")
    plain.fill("textarea[name=query]", "SELECT ?who WHERE { mkd:missions mk:creator ?who }")
    plain.locator("form.editor button").click()
    plain.wait_for_url("**/ui/query?**")
    expect(plain.locator("table.results")).to_contain_text("Julien Lacombe")
    plain.close()
    print("ok query without scripts")

    # The timeline.
    page.goto(base + "/timeline")
    expect(page.locator("ol.timeline li").first).to_be_visible()
    # Drawn: lanes of bands and dots, each a link; the last date's label
    # stays inside the drawing.
    expect(page.locator("svg.chart rect.band").first).to_be_visible()
    expect(page.locator("svg.chart circle.mark").first).to_be_visible()
    chart = page.locator("svg.chart").first.bounding_box()
    for label in page.locator("svg.chart text.label").all():
        box = label.bounding_box()
        assert box["x"] >= chart["x"] - 1 and box["x"] + box["width"] <= chart["x"] + chart["width"] + 1, (
            label.text_content(), box, chart)
    page.locator("svg.chart a", has_text="Missions rights for Shudder").click()
    page.wait_for_url("**/id/rights-deal-amc-shudder")
    page.go_back()
    page.screenshot(path=f"{shots}/timeline.png", full_page=False)
    print("ok timeline")

    # French, by the switch in the header.
    page.locator("nav a[hreflang=fr]").click()
    expect(page.locator("h1")).to_have_text("Chronologie")
    print("ok french")

    # A phone.
    phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone.on("console", lambda message: message.type == "error" and errors.append(message.text))
    phone.goto(base + "/id/julien-lacombe")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is wider than the phone: {width}px"
    phone.screenshot(path=f"{shots}/phone.png", full_page=False)
    print("ok phone")

    browser.close()

assert not errors, errors
print("ok console")

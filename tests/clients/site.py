"""What a person meets first, in a real browser (Debian's Chromium, headless,
driven by Playwright), at a laptop's and a phone's width: the query page,
the error pages, and the reader (the server is given `--articles`).

Usage: python3 site.py BASE_URL SCREENSHOT_DIR AXE_JS
Prints `ok NAME WIDTH` per check; any failure raises (non-zero exit).
AXE_JS is axe-core's `axe.min.js` (npm): every page, error pages included,
must have no violation at either width.
"""
import os
import re
import sys

from playwright.sync_api import expect, sync_playwright

base, shots, axe = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
AUDITED = [
    "/", "/search?q=lacombe", "/id/julien-lacombe", "/id/broadcast-ocs-2017", "/source/article-002",
    "/id/missions", "/source/article-002/text",
    "/ui/query", "/ui/query?query=SELECT%20*%20WHERE%20%7B%3Fs%20%3Fp%20%3Fo%7D%20LIMIT%2050", "/timeline",
    "/ontology", "/store", "/queries/cast", "/nothing-here", "/queries/entity-facts?entity=Komarov",
]
os.makedirs(shots, exist_ok=True)
errors = []
WIDTHS = [(1366, 900), (390, 844)]


def fits(page, what, width):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{what}: the page is {scroll}px wide on a {width}px screen"


def no_marks(page, what):
    # YASQE puts this icon in the gutter of a line it finds wrong.
    page.wait_for_timeout(300)
    marks = page.locator(".parseErrorIcon").count()
    assert marks == 0, f"{what}: the editor marks {marks} error(s)"


with sync_playwright() as p:
    browser = p.chromium.launch(
        executable_path="/usr/bin/chromium",
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
              "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    )
    for width, height in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": height}, locale="en-GB")
        # An error page's own status is logged as a failed load; anything
        # else (a script error, a blocked asset) fails the run.
        expected = []
        page.on("console", lambda m: m.type == "error" and (errors if not expected else expected).append(m.text))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("request", lambda r: r.url.startswith(base) or errors.append("request to " + r.url))

        # The query page opens on a query that answers, with no false mark.
        page.goto(base + "/ui/query")
        expect(page.locator(".CodeMirror")).to_be_visible()
        no_marks(page, "the default query")
        page.locator(".CodeMirror").click()
        page.keyboard.press("Control+Enter")
        page.wait_for_url("**/ui/query?**")
        no_marks(page, "the default query, run")
        count = page.locator("p.count").inner_text()
        rows = page.locator("table.results tbody tr").count()
        assert rows > 0 and re.fullmatch(rf"{rows} results? in (< )?\d+(\.\d)? m?s", count), (rows, count)
        fits(page, "the query page", width)
        page.screenshot(path=f"{shots}/query-{width}.png", full_page=True)
        print(f"ok default query {width}")

        # Sort and filter the rows in the browser.
        headers = page.locator("table.results th button.sort")
        headers.nth(0).click()
        first = page.locator("table.results tbody tr td:nth-child(1)").all_inner_texts()
        assert first == sorted(first, key=str.casefold), first
        headers.nth(0).click()
        again = page.locator("table.results tbody tr td:nth-child(1)").all_inner_texts()
        assert again == list(reversed(first)), again
        expect(page.locator("table.results th").nth(0)).to_have_attribute("aria-sort", "descending")
        page.fill("p.filter input", "clement")
        expect(page.locator("table.results tbody tr:visible")).to_have_count(1)
        expect(page.locator("table.results tbody tr:visible")).to_contain_text("Clément Aubert")
        print(f"ok sort and filter {width}")

        # The editor completes an entity by name, typo forgiven, from this
        # server's search: the list shows the label, choosing writes the
        # prefixed name.
        page.goto(base + "/ui/query")
        expect(page.locator(".CodeMirror")).to_be_visible()
        page.evaluate("document.querySelector('.CodeMirror').CodeMirror.setValue('SELECT * WHERE { ')")
        page.locator(".CodeMirror").click()
        page.keyboard.press("Control+End")
        page.keyboard.type("Komarof", delay=40)
        hints = page.locator(".CodeMirror-hints li")
        expect(hints.first).to_be_visible()
        assert any("Vladimir Komarov" in text for text in hints.all_inner_texts()), hints.all_inner_texts()
        page.keyboard.press("Enter")
        value = page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
        assert re.search(r"\{ mkd:[a-z-]*vladimir-komarov", value), value
        print(f"ok entity completion {width}")

        # Every stored query, from the examples: rows, no error, no mark.
        page.goto(base + "/ui/query")
        links = page.locator("ul.examples a")
        targets = [links.nth(i).get_attribute("href") for i in range(links.count())]
        assert len(targets) > 20, targets
        for target in targets:
            page.goto(base + target)
            if "/ui/query" in target:
                no_marks(page, target)
            assert page.locator("[role=alert]").count() == 0, target
            answered = page.locator("table.results tbody tr").count() + page.locator("p.boolean").count()
            assert answered > 0, f"{target}: no rows"
            fits(page, target, width)
        print(f"ok examples {width}")

        # Past 1,000 rows: the total, the next page.
        page.goto(base + "/ui/query?query=" + "SELECT%20*%20WHERE%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D")
        expect(page.locator("p.count")).to_contain_text("shown: 1–1,000")
        page.locator("a[rel=next]").click()
        expect(page.locator("p.count")).to_contain_text("shown: 1,001–")
        print(f"ok paging {width}")

        # Differences: one row per question, a column per article, and
        # pages no wider than the screen.
        page.goto(base + "/id/broadcast-ocs-2017")
        expect(page.locator("table.differ tbody tr")).to_have_count(3)
        expect(page.locator("table.differ tr.precision")).to_contain_text("compatible")
        fits(page, "an entity page", width)
        page.goto(base + "/source/article-002")
        fits(page, "an article page", width)
        # The series page: values past the fifth, a fact's passages and a
        # qualified fact's own facts are folded (it was 16,480 px tall).
        page.goto(base + "/id/missions")
        fits(page, "the series page", width)
        tall = page.evaluate("document.documentElement.scrollHeight")
        if width == 1366:
            assert tall < 6000, f"the series page is {tall}px tall"
        page.locator("details.more summary").first.click()
        expect(page.locator("details.more[open] ul.values li").first).to_be_visible()
        print(f"ok differences {width}")

        # The reader: the article's passages marked, each number a link to
        # its facts, which link back; long pages open with their contents.
        page.goto(base + "/source/article-002/text")
        assert page.locator("div.text mark.passage").count() > 30
        fits(page, "the reader", width)
        page.screenshot(path=f"{shots}/reader-{width}.png", full_page=False)
        page.locator("sup.ref a").first.click()
        page.wait_for_url("**#facts-*")
        expect(page.locator("ol.passage-facts li:target")).to_be_visible()
        page.locator("ol.passage-facts li:target a.back").click()
        page.wait_for_url("**#passage-*")
        expect(page.locator("mark.passage:target")).to_be_visible()
        page.goto(base + "/id/missions")
        page.locator("nav.toc a[href='#passages']").click()
        expect(page.locator("h2#passages")).to_be_in_viewport()
        # A passage's link leads to its place in the reader.
        page.locator("details.evidence summary").click()
        page.locator("ol.evidence a[href*='/text#passage-']").first.click()
        page.wait_for_url("**/text#passage-*")
        expect(page.locator("mark.passage:target")).to_be_visible()
        fits(page, "the reader at a passage", width)
        print(f"ok reader {width}")

        # Search forgives a typo.
        page.goto(base + "/")
        page.fill("header input[name=q]", "Komarof")
        page.press("header input[name=q]", "Enter")
        page.wait_for_url("**/search?**")
        expect(page.locator("ul.found a", has_text="Vladimir Komarov").first).to_be_visible()
        fits(page, "search", width)
        print(f"ok search with a typo {width}")

        # Errors are pages with a way on.
        expected.append("armed")
        for target, title in [
            ("/nothing-here", "Nothing here"),
            ("/id/nobody-at-all", "Nothing here"),
            ("/queries/entity-facts?entity=Komarov", "Which one do you mean?"),
            ("/queries/entity-facts?entity=Komarof", "Which one do you mean?"),
            ("/sparql?query=SELECT%20WHERE%20%7B", "This request cannot be answered"),
        ]:
            page.goto(base + target)
            expect(page.locator("h1")).to_have_text(title)
            expect(page.locator("main form.search")).to_be_visible()
            fits(page, target, width)
        page.goto(base + "/queries/entity-facts?entity=Komarov")
        page.screenshot(path=f"{shots}/error-{width}.png", full_page=True)
        page.locator("ul.found a").first.click()
        page.wait_for_url("**/id/**komarov")
        expect(page.locator("h1")).to_contain_text("Komarov")
        for message in expected[1:]:
            assert "status of 4" in message, message
        expected.clear()
        print(f"ok error pages {width}")
        page.close()

        # Accessibility: axe-core on every page. The audit's script is
        # injected, so this context lets it past the page's CSP.
        audit = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True).new_page()
        for target in AUDITED:
            audit.goto(base + target)
            audit.wait_for_timeout(200)
            audit.add_script_tag(path=axe)
            found = audit.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
                ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
            assert not found, f"{target} at {width}px: {found}"
        # The skip link is the first thing the keyboard reaches.
        audit.goto(base + "/")
        audit.keyboard.press("Tab")
        expect(audit.locator("a.skip")).to_be_focused()
        audit.close()
        print(f"ok accessibility {width}")

    browser.close()

assert not errors, errors
print("ok console")

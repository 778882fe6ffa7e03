#!/usr/bin/env python3
"""html_chromium.py — drive headless Chromium over the DevTools protocol to
check an assay HTML review report the way a person uses it (docs/reports.md).

usage: html_chromium.py REPORT.html [--rows N] [--screenshot OUT.png] [--chromium PATH]

Checks, each counted in the closing "N passed, N failed" line:
  - the page loads from a file:// URL, requests nothing else (no network, no
    other file), throws no script error and violates no Content-Security-Policy;
  - the summary comes before the findings; every finding row is rendered
    (N rows when --rows is given, else as many as rows carrying data-verdict
    in the file);
  - typing into the filter box (real key input) hides the rows that do not
    contain the text and shows the ones that do; clearing it shows all again;
  - clicking a column header (real mouse click) sorts the rows, a second click
    reverses them;
  - clicking a finding's summary opens its evidence chain.

Only the Python standard library is used: Chromium is started with
--remote-debugging-pipe and spoken to over its two pipe descriptors (3 and 4).
Exit status: 0 all passed, 1 a check failed, 77 Chromium is not available.
"""
import argparse
import base64
import fcntl
import json
import os
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

TIMEOUT = 60.0


class Browser:
    """A headless Chromium and one page, over the DevTools pipe."""

    def __init__(self, chromium):
        self.profile = tempfile.mkdtemp(prefix="assay-chromium-")
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()

        def wire_pipes():
            # Chromium reads commands on fd 3 and answers on fd 4. Move both
            # ends out of the way first so neither is clobbered, then dup2
            # (which makes the copies inheritable across exec).
            high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 100)
            high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 100)
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        # --no-sandbox: containers and root (CI) cannot start Chromium's
        # sandbox; the page is a local file this test just generated.
        args = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
                "--user-data-dir=" + self.profile, "--no-first-run", "--no-default-browser-check",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--window-size=1280,1600", "about:blank"]
        self.proc = subprocess.Popen(args, preexec_fn=wire_pipes, close_fds=False,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self.buf = b""
        self.next_id = 0
        self.events = []
        self.session = None

    def close(self):
        try:
            self.send("Browser.close", session=False)
        except Exception:
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.to_chrome)
        os.close(self.from_chrome)
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from Chromium")
            ready, _, _ = select.select([self.from_chrome], [], [], left)
            if ready:
                chunk = os.read(self.from_chrome, 1 << 16)
                if not chunk:
                    raise RuntimeError("Chromium closed the pipe")
                self.buf += chunk
        raw, self.buf = self.buf.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method, params=None, session=True):
        self.next_id += 1
        msg = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            msg["sessionId"] = self.session
        os.write(self.to_chrome, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + TIMEOUT
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError("%s: %s" % (method, reply["error"]))
                return reply.get("result", {})
            self.events.append(reply)

    def wait_event(self, method, timeout=TIMEOUT):
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for ev in self.events[seen:]:
                if ev.get("method") == method:
                    return ev
            seen = len(self.events)
            self.events.append(self._read_message(deadline))

    def open_page(self):
        target = self.send("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True},
                                 session=False)["sessionId"]
        for domain in ("Page", "Runtime", "Network", "Log"):
            self.send(domain + ".enable")

    def js(self, expression):
        r = self.send("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise RuntimeError("script failed: %s" % r["exceptionDetails"].get("text"))
        return r["result"].get("value")

    def click(self, selector):
        box = self.js("(function(){var e=document.querySelector(%s); e.scrollIntoView({block:'center'});"
                      "var r=e.getBoundingClientRect(); return [r.left+r.width/2, r.top+r.height/2];})()"
                      % json.dumps(selector))
        for kind in ("mousePressed", "mouseReleased"):
            self.send("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1],
                                                   "button": "left", "clickCount": 1})

    def type_text(self, selector, text):
        self.js("document.querySelector(%s).focus()" % json.dumps(selector))
        self.send("Input.insertText", {"text": text})

    def clear_text(self, selector):
        self.js("document.querySelector(%s).select()" % json.dumps(selector))
        for kind in ("rawKeyDown", "keyUp"):
            self.send("Input.dispatchKeyEvent", {"type": kind, "key": "Backspace", "code": "Backspace",
                                                 "windowsVirtualKeyCode": 8})


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok: " + name)
        else:
            self.failed += 1
            print("FAIL: %s %s" % (name, detail))


ROWS = "#findings-table tbody tr.finding"
VISIBLE = ("Array.prototype.filter.call(document.querySelectorAll('%s'),"
           "function(r){return !r.hidden && r.getBoundingClientRect().height > 0;})" % ROWS)


def subjects(b):
    return b.js("Array.prototype.map.call(document.querySelectorAll('%s'),"
                "function(r){return r.getAttribute('data-subject');})" % ROWS)


def check_load(b, c, url):
    requests = [e["params"]["request"]["url"] for e in b.events if e.get("method") == "Network.requestWillBeSent"]
    c.check("loads nothing but the page", all(u == url for u in requests), repr(requests))
    errors = [e for e in b.events if e.get("method") == "Runtime.exceptionThrown"]
    c.check("no script error", not errors, repr(errors[:1]))
    csp = [e["params"]["entry"]["text"] for e in b.events
           if e.get("method") == "Log.entryAdded" and "Content Security Policy" in e["params"]["entry"].get("text", "")]
    c.check("no Content-Security-Policy violation", not csp, repr(csp[:2]))


def check_rows(b, c, expected):
    c.check("summary before findings", b.js(
        "!!(document.getElementById('summary') && document.getElementById('findings') &&"
        " document.getElementById('summary').compareDocumentPosition(document.getElementById('findings'))"
        " & Node.DOCUMENT_POSITION_FOLLOWING)"))
    total = b.js("document.querySelectorAll('%s').length" % ROWS)
    c.check("every finding has a row (%d)" % expected, total == expected, "found %s" % total)
    c.check("every row is rendered", b.js(VISIBLE + ".length") == expected)


def check_filter(b, c, total):
    if total == 0:
        c.check("no filter without findings", b.js("document.getElementById('filter') === null"))
        return
    subject = subjects(b)[-1]
    word = max(re.split(r"[\s/]+", subject), key=len)
    b.type_text("#filter", word)
    shown = b.js(VISIBLE + ".map(function(r){return r.textContent.toLowerCase();})")
    hidden = b.js("Array.prototype.filter.call(document.querySelectorAll('%s'),function(r){return r.hidden;})"
                  ".map(function(r){return r.textContent.toLowerCase();})" % ROWS)
    c.check("filter '%s' keeps matching rows" % word, len(shown) >= 1 and all(word.lower() in t for t in shown))
    c.check("filter hides the others", all(word.lower() not in t for t in hidden))
    c.check("filter count text", b.js("document.getElementById('shown').textContent") ==
            "%d of %d findings shown" % (len(shown), total))
    b.clear_text("#filter")
    b.type_text("#filter", "zz-no-such-finding-zz")
    c.check("filter with no match hides all", b.js(VISIBLE + ".length") == 0)
    b.clear_text("#filter")
    c.check("clearing the filter shows all", b.js(VISIBLE + ".length") == total)


# True when the rows are ordered by column `col` (0-based) in direction
# `sign` (1 ascending, -1 descending), comparing as the page does: numbers
# for numeric columns, localeCompare for text.
ORDERED = """(function (col, sign) {
  var rows = document.querySelectorAll('%s');
  var numeric = document.querySelector('#findings-table thead tr').cells[col].hasAttribute('data-numeric');
  function key(r) { var c = r.cells[col], s = c.getAttribute('data-sort');
                    return s !== null ? s : c.textContent.trim().toLowerCase(); }
  for (var i = 1; i < rows.length; i++) {
    var x = key(rows[i - 1]), y = key(rows[i]);
    var d = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
    if (sign * d > 0) { return false; }
  }
  return true;
})(%%d, %%d)""" % ROWS


def check_sort(b, c, total):
    if total < 2:
        return
    subject_header = "#findings-table thead th:nth-child(2)"
    before = subjects(b)
    b.click(subject_header)
    c.check("header click sorts ascending", b.js(ORDERED % (1, 1)))
    direction = b.js("document.querySelector(%s).getAttribute('aria-sort')" % json.dumps(subject_header))
    c.check("header shows the direction", direction == "ascending", repr(direction))
    after = subjects(b)
    c.check("sorting keeps every row", sorted(after) == sorted(before))
    b.click(subject_header)
    c.check("second click reverses", b.js(ORDERED % (1, -1)))
    verdict_header = "#findings-table thead th:nth-child(1)"
    b.click(verdict_header)
    b.click(verdict_header)
    c.check("verdict column sorts by severity", b.js(ORDERED % (0, -1)))


def check_details(b, c, total):
    if total == 0:
        return
    row = ROWS + ":first-child details"
    b.click(row + " > summary")
    c.check("a finding opens its evidence", b.js("document.querySelector(%s).open" % json.dumps(row)) is True)
    c.check("the evidence chain is shown", b.js(
        "(function(){var l=document.querySelector(%s).querySelector('ol.chain');"
        "return !!l && l.getBoundingClientRect().height > 0 && l.children.length > 0;})()" % json.dumps(row)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("--rows", type=int)
    ap.add_argument("--screenshot")
    ap.add_argument("--chromium", default=os.environ.get("CHROMIUM", "chromium"))
    a = ap.parse_args()
    chromium = shutil.which(a.chromium)
    if chromium is None:
        print("SKIP: %s not found" % a.chromium)
        return 77
    path = os.path.abspath(a.report)
    with open(path, encoding="utf-8") as f:
        expected = a.rows if a.rows is not None else f.read().count('<tr class="finding" data-verdict=')
    url = "file://" + path
    c = Checks()
    b = Browser(chromium)
    try:
        b.open_page()
        b.send("Page.navigate", {"url": url})
        b.wait_event("Page.loadEventFired")
        check_load(b, c, url)
        check_rows(b, c, expected)
        check_filter(b, c, expected)
        check_sort(b, c, expected)
        check_details(b, c, expected)
        if a.screenshot:
            shot = b.send("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
            with open(a.screenshot, "wb") as f:
                f.write(base64.b64decode(shot["data"]))
    except (RuntimeError, TimeoutError, OSError) as e:
        c.check("browser session", False, str(e))
    finally:
        b.close()
    print("%d passed, %d failed" % (c.passed, c.failed))
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

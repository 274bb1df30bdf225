"""Open an HTML page in headless Chromium, offline, and report what a reader would see broken.

Route: a copy of the page gets a small script as the first element of ``<head>``; it records
uncaught errors, failed resource loads (``error`` events in the capture phase), calls of
``console.error`` and unhandled promise rejections, and on ``load`` writes a JSON report, with
every ``<img>``'s ``naturalWidth`` and every resource the page fetched, into a ``<pre>`` at the end
of the body. ``chromium --headless --dump-dom`` prints the DOM after the load event, from which
the report is read back. No DevTools protocol client is needed for one page.

Many pages (:func:`check_pages`, a site of some fifty) are opened in one Chromium instead of one
each: Chromium starts once with ``--remote-debugging-pipe`` and each page gets a tab of its own,
driven by the DevTools protocol's JSON messages over the pipe (``Target``, ``Page``,
``Runtime``). The page copy, its probe, the report and the offline flags are the same as for
one page. Starting Chromium took about 2 s of the machine's two cores per page, which made the
site's check the slowest step of ``make test``.

The copy sits alone in a fresh temporary folder and Chromium runs with networking off (unknown
host resolver, a dead proxy, no background networking), so a page that is not self-contained
shows broken images or failed loads.

Used by ``tests/test_browser.py``; nothing happens on import.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-default-apps", "--disable-extensions", "--mute-audio",
    "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=127.0.0.1:9",
    "--proxy-bypass-list=<-loopback>",
)
"""Flags of every run: headless, no sandbox (root in a container), no network of any kind."""

REPORT_ID = "__compendium_page_check__"

_PROBE = """<script>
(function () {
  var errors = [];
  window.addEventListener("error", function (e) {
    var t = e.target;
    if (t && t !== window && (t.src || t.href)) {
      errors.push("failed to load " + String(t.src || t.href).slice(0, 200));
    } else {
      errors.push(String(e.message || e.type));
    }
  }, true);
  window.addEventListener("unhandledrejection", function (e) {
    errors.push("unhandled rejection: " + String(e.reason));
  });
  var original = console.error;
  console.error = function () {
    errors.push(Array.prototype.map.call(arguments, String).join(" "));
    return original.apply(console, arguments);
  };
  window.addEventListener("load", function () {
    var images = Array.prototype.map.call(document.images, function (img) {
      return {src: String(img.getAttribute("src") || "").slice(0, 80),
              complete: img.complete, naturalWidth: img.naturalWidth};
    });
    var resources = performance.getEntriesByType("resource").map(function (r) {
      return r.name;
    }).filter(function (name) { return !/^(data|blob|about):/.test(name); });
    var pre = document.createElement("pre");
    pre.id = "%s";
    pre.textContent = JSON.stringify({errors: errors, images: images, resources: resources,
                                      title: document.title});
    document.body.appendChild(pre);
  });
})();
</script>""" % REPORT_ID


@dataclass
class PageCheck:
    """What Chromium saw when it loaded a page.

    Attributes
    ----------
    images : list of dict
        One per ``<img>``: ``src`` (first 80 characters), ``complete``, ``naturalWidth``.
    errors : list of str
        Uncaught errors, failed loads, ``console.error`` calls, unhandled rejections.
    resources : list of str
        URLs the page fetched other than ``data:``/``blob:`` (empty for a self-contained page).
    title : str
        ``document.title``.
    stderr : str
        Chromium's own log, for diagnosing a failed check.
    """

    images: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    resources: list = field(default_factory=list)
    title: str = ""
    stderr: str = ""

    @classmethod
    def from_report(cls, report: dict, stderr: str) -> "PageCheck":
        """What the probe's JSON report says, with Chromium's log."""
        return cls(images=report["images"], errors=report["errors"],
                   resources=report["resources"], title=report["title"], stderr=stderr)

    @property
    def broken_images(self) -> list:
        """Images that did not load (``naturalWidth`` 0)."""
        return [img for img in self.images if not img.get("naturalWidth")]


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome executable on ``PATH``, or None."""
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def install_chromium(timeout: float = 900) -> tuple[str | None, str]:
    """Install Debian's ``chromium`` with apt-get when running as root.

    Returns
    -------
    (path or None, message)
        The executable (None when it could not be installed) and what happened, including
        how long the installation took.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None, "Chromium is not installed and installing it needs root (apt-get install chromium)"
    if shutil.which("apt-get") is None:
        return None, "Chromium is not installed and apt-get is not available to install it"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    start = time.monotonic()
    for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
        try:
            done = subprocess.run(command, capture_output=True, text=True,
                                  encoding="utf-8", errors="replace", env=env,
                                  timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as error:
            return None, f"{' '.join(command)} failed: {error}"
        if done.returncode != 0:
            return None, f"{' '.join(command)} failed: {done.stderr.strip()[-500:]}"
    seconds = time.monotonic() - start
    return find_chromium(), f"installed Chromium with apt-get in {seconds:.0f} s"


def check_page(html_path: str | os.PathLike, *, chromium: str | None = None,
               timeout: float = 120) -> PageCheck:
    """Load ``html_path`` in offline headless Chromium and return what it saw.

    Raises
    ------
    FileNotFoundError
        When no Chromium is found (see :func:`find_chromium`).
    RuntimeError
        When Chromium fails or its output holds no report.
    """
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium executable on PATH (apt-get install chromium)")
    page = Path(html_path).read_text(encoding="utf-8")
    with tempfile.TemporaryDirectory(prefix="page-check-") as work:
        copy = Path(work) / "page.html"
        copy.write_text(_inject(page), encoding="utf-8")
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={Path(work) / 'profile'}",
                   "--dump-dom", copy.as_uri()]
        done = subprocess.run(command, capture_output=True, text=True,
                              encoding="utf-8", errors="replace", timeout=timeout,
                              check=False)
    match = re.search(rf'<pre id="{REPORT_ID}">(.*?)</pre>', done.stdout, re.DOTALL)
    if done.returncode != 0 or match is None:
        raise RuntimeError(
            f"Chromium exited with {done.returncode} and no page report; "
            f"stderr ends with: {done.stderr[-1500:]}"
        )
    return PageCheck.from_report(json.loads(_unescape(match.group(1))), done.stderr)


def check_pages(html_paths, *, chromium: str | None = None,
                timeout: float = 120) -> list[PageCheck]:
    """Load every page of ``html_paths`` in one offline headless Chromium, one tab per page.

    Each page is copied with the probe (as :func:`check_page` does) into a folder of its own,
    opened in a new tab, and read back once the probe's report is in the page; the tab is then
    closed, so an error of one page cannot show in another's report. Where Chromium cannot be
    driven over a pipe (not POSIX), the pages are checked one by one with :func:`check_page`.

    Parameters
    ----------
    html_paths : iterable of path-like
    chromium : str, optional
        The executable (default :func:`find_chromium`).
    timeout : float
        Seconds for each page (and for Chromium's start), as for :func:`check_page`.

    Returns
    -------
    list of PageCheck
        In the order of ``html_paths``; ``stderr`` is Chromium's log so far.

    Raises
    ------
    FileNotFoundError
        When no Chromium is found.
    RuntimeError
        When Chromium dies, answers with an error, or a page gives no report in time.
    """
    html_paths = [Path(p) for p in html_paths]
    chromium = chromium or find_chromium()
    if chromium is None:
        raise FileNotFoundError("no Chromium executable on PATH (apt-get install chromium)")
    if os.name != "posix":  # pragma: no cover - fds 3 and 4 are POSIX
        return [check_page(p, chromium=chromium, timeout=timeout) for p in html_paths]
    with tempfile.TemporaryDirectory(prefix="page-check-") as work, \
            _DevTools(chromium, Path(work) / "profile", timeout) as tools:
        seen = []
        for number, html_path in enumerate(html_paths):
            folder = Path(work) / f"page-{number}"
            folder.mkdir()
            copy = folder / "page.html"
            copy.write_text(_inject(html_path.read_text(encoding="utf-8")), encoding="utf-8")
            seen.append(PageCheck.from_report(tools.report(copy.as_uri(), timeout),
                                              tools.stderr()))
        return seen


_ONTO_3_AND_4 = (
    "import os, sys\n"
    "os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4)\n"
    "os.close(int(sys.argv[1])); os.close(int(sys.argv[2]))\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)
"""Run as ``python -c``: the pipes onto fds 3 and 4, then Chromium in place of this process."""

_READ_REPORT = """new Promise(function (resolve) {
  (function look() {
    var pre = document.getElementById("%s");
    if (pre) { resolve(pre.textContent); } else { setTimeout(look, 25); }
  })();
})""" % REPORT_ID
"""Waits for the probe's ``<pre>`` (written on ``load``) and gives its text."""


class _DevTools:
    """One headless Chromium driven over ``--remote-debugging-pipe``.

    Chromium reads the DevTools protocol's commands from its fd 3 and writes answers and events
    to its fd 4, each message JSON ended by a NUL byte. A small Python puts the two pipes on fds 3
    and 4 and ``exec``s Chromium (``sh`` cannot: dash takes only one-digit fds). A thread reads
    the answers into a queue.
    """

    def __init__(self, chromium: str, profile: Path, timeout: float):
        self._timeout = timeout
        # the child's ends go above fd 9, so that neither is 3 or 4 when they are moved there
        to_child, self._commands = (_above_9(fd) for fd in os.pipe())
        self._answers, from_child = (_above_9(fd) for fd in os.pipe())
        self._log = tempfile.TemporaryFile()
        command = [sys.executable, "-I", "-S", "-c", _ONTO_3_AND_4, str(to_child),
                   str(from_child), chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe",
                   "about:blank"]
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL, stderr=self._log,
                                             pass_fds=(to_child, from_child))
        except BaseException:
            for fd in (self._commands, self._answers):
                os.close(fd)
            self._log.close()
            raise
        finally:
            os.close(to_child)
            os.close(from_child)
        self._next_id = 0
        self._queue: queue.Queue = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _read(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._answers, 1 << 16)
            except OSError:
                chunk = b""
            if not chunk:
                self._queue.put(None)  # Chromium is gone
                return
            buffer += chunk
            *messages, buffer = buffer.split(b"\0")
            for message in messages:
                self._queue.put(json.loads(message))

    def stderr(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")

    def _fail(self, what: str) -> RuntimeError:
        return RuntimeError(f"Chromium {what}; stderr ends with: {self.stderr()[-1500:]}")

    def send(self, method: str, params: dict | None = None, session: str | None = None,
             timeout: float | None = None) -> dict:
        """Send one command and return its ``result`` (events met meanwhile are dropped)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        try:
            os.write(self._commands, json.dumps(message).encode("utf-8") + b"\0")
        except BrokenPipeError:
            raise self._fail(f"exited with {self._process.wait(timeout=10)} before {method}")
        deadline = time.monotonic() + (timeout or self._timeout)
        while True:
            left = deadline - time.monotonic()
            try:
                answer = self._queue.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise self._fail(f"gave no answer to {method} in {timeout or self._timeout:.0f} s")
            if answer is None:
                raise self._fail(f"exited with {self._process.poll()} during {method}")
            if answer.get("id") == self._next_id:
                if "error" in answer:
                    raise self._fail(f"refused {method}: {answer['error']}")
                return answer.get("result", {})

    def report(self, url: str, timeout: float) -> dict:
        """Open ``url`` in a new tab, wait for the probe's report, close the tab."""
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        try:
            session = self.send("Target.attachToTarget",
                                {"targetId": target, "flatten": True})["sessionId"]
            navigated = self.send("Page.navigate", {"url": url}, session)
            if navigated.get("errorText"):
                raise self._fail(f"could not open {url}: {navigated['errorText']}")
            for _ in range(2):  # the first try may meet the about:blank document going away
                try:
                    done = self.send("Runtime.evaluate",
                                     {"expression": _READ_REPORT, "awaitPromise": True,
                                      "returnByValue": True, "timeout": timeout * 1000},
                                     session, timeout=timeout)
                    break
                except RuntimeError as error:
                    if not re.search(r"context|navigat|destroyed", str(error), re.IGNORECASE):
                        raise
            else:
                raise self._fail(f"lost the page {url} twice while reading its report")
            if "exceptionDetails" in done:
                raise self._fail(f"could not read the report of {url}: {done['exceptionDetails']}")
            return json.loads(done["result"]["value"])
        finally:
            self.send("Target.closeTarget", {"targetId": target})

    def close(self) -> None:
        try:
            if self._process.poll() is None:
                try:
                    self.send("Browser.close", timeout=10)
                except RuntimeError:
                    pass
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        finally:
            os.close(self._commands)
            self._reader.join(timeout=10)
            os.close(self._answers)
            self._log.close()


def _above_9(fd: int) -> int:
    """``fd`` moved to the lowest free number above 9 (close-on-exec, as ``os.pipe`` gives)."""
    import fcntl

    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


def _inject(page: str) -> str:
    """``page`` with the probe script before any other script.

    It goes right after ``<meta charset>`` (which must stay in the first 1024 bytes), else
    right after ``<head>``, else at the very start.
    """
    anchor = (re.search(r"<meta\s+charset\b[^>]*>", page, re.IGNORECASE)
              or re.search(r"<head\b[^>]*>", page, re.IGNORECASE))
    if anchor is None:
        return _PROBE + page
    return page[: anchor.end()] + _PROBE + page[anchor.end():]


def _unescape(text: str) -> str:
    """Text of a ``<pre>`` as serialised by Chromium's DOM dump."""
    return (text.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&nbsp;", "\u00a0").replace("&amp;", "&"))

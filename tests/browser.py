"""Open an HTML page in headless Chromium, offline, and report what a reader would see broken.

Route: a copy of the page gets a small script as the first element of ``<head>``; it records
uncaught errors, failed resource loads (``error`` events in the capture phase), calls of
``console.error`` and unhandled promise rejections, and on ``load`` writes a JSON report, with
every ``<img>``'s ``naturalWidth`` and every resource the page fetched, into a ``<pre>`` at the end
of the body. ``chromium --headless --dump-dom`` prints the DOM after the load event, from which
the report is read back. No DevTools protocol client is needed.

The copy sits alone in a fresh temporary folder and Chromium runs with networking off (unknown
host resolver, a dead proxy, no background networking), so a page that is not self-contained
shows broken images or failed loads.

Used by ``tests/test_browser.py``; nothing happens on import.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
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
    report = json.loads(_unescape(match.group(1)))
    return PageCheck(images=report["images"], errors=report["errors"],
                     resources=report["resources"], title=report["title"], stderr=done.stderr)


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

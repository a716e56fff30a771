"""The real browser of the journey test: the system Chromium driven by Playwright (no
browser download), the viewports it plays, and what is checked on every page it shows:
a screenshot kept as an artifact, and axe-core (bundled by axe-playwright-python) in the
light and the dark colour mode.
"""

import json
import os
import shutil

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from . import services
from .baked import ARTIFACTS_DIR

CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-extensions",
]
BROWSER_TIMEOUT_MS = 10_000


# Time zones without daylight saving time, so the expected local time is a fixed offset.
VIEWPORTS = {
    "desktop": {
        "viewport": {"width": 1280, "height": 800},
        "color_scheme": "light",
        "timezone_id": "Asia/Tokyo",
        "utc_offset_minutes": 9 * 60,
    },
    "phone": {
        "viewport": {"width": 390, "height": 844},
        "device_scale_factor": 2,
        "is_mobile": True,
        "has_touch": True,
        "color_scheme": "dark",
        "timezone_id": "Asia/Kolkata",
        "utc_offset_minutes": 5 * 60 + 30,
    },
}
COLOUR_MODES = ("light", "dark")
# axe-core's impact levels that fail the journey; minor and moderate ones are reported.
BLOCKING_IMPACTS = {"serious", "critical"}


def require_chromium():
    services.require_binary(
        CHROMIUM_PATH, "Chromium", "set CHROMIUM_PATH, or run `bash .ci/browser.sh` as root on Debian"
    )


def launch_chromium(playwright):
    # Installed but failing to start is a broken browser, not a missing one: always a failure.
    try:
        return playwright.chromium.launch(executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS)
    except PlaywrightError as error:
        pytest.fail(f"Chromium at {CHROMIUM_PATH} did not start (see `bash .ci/browser.sh`):\n{error}")


def new_context(browser, viewport_name, base_url):
    options = {key: value for key, value in VIEWPORTS[viewport_name].items() if key != "utc_offset_minutes"}
    # Reduced motion turns Bootstrap's transitions off: axe then reads settled colours,
    # and the menu opens at once.
    context = browser.new_context(base_url=base_url, locale="en-GB", reduced_motion="reduce", **options)
    context.set_default_timeout(BROWSER_TIMEOUT_MS)
    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    return context


class PageChecks:
    """Screenshot and axe-core on each page the journey shows, under one viewport."""

    def __init__(self, page, viewport_name):
        self.page = page
        self.scheme = VIEWPORTS[viewport_name]["color_scheme"]
        # Screenshots and axe reports of every page, one folder per viewport.
        self.folder = ARTIFACTS_DIR / "browser-journey" / viewport_name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.axe = Axe()
        self.report = []  # one entry per page and colour mode, with every violation found
        self.pages = 0

    def check(self, name):
        """The page as it is now: screenshot, then axe in both colour modes."""
        self.page.wait_for_load_state("load")
        self.pages += 1
        stem = f"{self.pages:02d}-{name}"
        self.page.screenshot(path=str(self.folder / f"{stem}.png"), full_page=True)
        blocking = []
        for mode in sorted(COLOUR_MODES, key=lambda mode: mode != self.scheme):
            self.show_in(mode)
            violations = self.axe.run(self.page).response["violations"]
            self.report.append({"page": stem, "url": self.page.url, "mode": mode, "violations": violations})
            blocking += [
                (mode, violation) for violation in violations if violation["impact"] in BLOCKING_IMPACTS
            ]
        self.show_in(self.scheme)
        assert not blocking, f"axe-core on {stem} ({self.page.url}):\n" + describe(blocking)

    def show_in(self, mode):
        # static/theme.js follows the system preference, also when it changes.
        self.page.emulate_media(color_scheme=mode)
        expect(self.page.locator("html")).to_have_attribute("data-bs-theme", mode)

    def save_report(self):
        path = self.folder / "axe.json"
        path.write_text(json.dumps(self.report, indent=2))
        return path

    def summary(self):
        """Violations by impact over every page and mode, for the test's output."""
        counts = {}
        for entry in self.report:
            for violation in entry["violations"]:
                counts[violation["impact"]] = counts.get(violation["impact"], 0) + len(violation["nodes"])
        return {"pages": self.pages, "checks": len(self.report), "violations": counts}


def describe(blocking):
    lines = []
    for mode, violation in blocking:
        targets = [", ".join(node["target"]) for node in violation["nodes"]]
        lines.append(f"[{mode}] {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
        lines += [f"    {node['failureSummary']}" for node in violation["nodes"][:3]]
    return "\n".join(lines)


def tab_to(page, locator, limit=60):
    """Press Tab until locator has the focus: proof that the keyboard reaches it."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("element => element === document.activeElement"):
            return
    focused = page.evaluate("document.activeElement && document.activeElement.outerHTML.slice(0, 120)")
    raise AssertionError(f"{limit} presses of Tab never reached {locator}; the focus is on {focused}")

"""Browser check of the running UI with Debian's headless chromium (Selenium + Debian's chromium-driver).

Opens each page, submits the example listing on the Prediction page, waits for the price and the
model version, saves one screenshot per page, and fails if any page shows a Streamlit exception (or Streamlit's "Page not found").
Prints one JSON line last: {"ok": true, "price": "$…", "model": "name", "version": "N", "screenshots": [...]}.

Usage: python ui/tests/browser_check.py --url http://127.0.0.1:8501 --out DIR [--expect-version N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = os.environ.get("CASA_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("CASA_CHROMEDRIVER", "/usr/bin/chromedriver")


class CheckFailed(Exception):
    pass


def browser() -> webdriver.Chrome:
    os.environ.setdefault("SE_OFFLINE", "true")  # never let Selenium Manager look for a driver online
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1400,2200", "--hide-scrollbars"):
        opts.add_argument(arg)
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=opts)


def body_text(d: webdriver.Chrome) -> str:
    return d.find_element(By.TAG_NAME, "body").text


def wait_idle(d: webdriver.Chrome, timeout: float) -> None:
    """Until Streamlit has finished running the script (no 'Running…' status widget) and charts are drawn."""
    WebDriverWait(d, timeout).until(lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))
    time.sleep(1.0)


def assert_no_exception(d: webdriver.Chrome, page: str) -> None:
    boxes = d.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    if boxes:
        raise CheckFailed(f"{page} shows a Streamlit exception: {boxes[0].text[:500]}")
    # Streamlit answers an unknown page with a modal and falls back to the main page.
    if "Page not found" in body_text(d):
        raise CheckFailed(f"{page}: Streamlit says 'Page not found'")


def wait_for(d: webdriver.Chrome, what: str, condition, timeout: float, page: str = "the page"):
    """Waits for `condition`, failing at once if an exception box appears meanwhile."""

    def met(d: webdriver.Chrome):
        assert_no_exception(d, page)
        return condition(d)

    try:
        return WebDriverWait(d, timeout, poll_frequency=0.25).until(met)
    except TimeoutException as err:
        raise CheckFailed(f"timed out after {timeout:.0f} s waiting for {what}; the page says:\n{body_text(d)[:1500]}") from err


def full_screenshot(d: webdriver.Chrome, path: Path) -> None:
    """The whole page: Streamlit scrolls inside its main section, so the window grows to fit it first."""
    height = d.execute_script(
        "const m = document.querySelector('[data-testid=\"stMain\"]') || document.body;"
        "return Math.max(m.scrollHeight, document.body.scrollHeight);"
    )
    d.set_window_size(1400, min(int(height) + 120, 12000))
    time.sleep(0.5)
    d.save_screenshot(str(path))
    d.set_window_size(1400, 2200)


def charts_drawn(d: webdriver.Chrome, n: int) -> bool:
    return len(d.find_elements(By.CSS_SELECTOR, ".vega-embed canvas, .vega-embed svg")) >= n


def check(url: str, out: Path, expect_version: str | None, timeout: float) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    shots: list[str] = []
    d = browser()
    try:
        # Prediction: submit the example listing (the form's defaults), see a price and the model version.
        d.get(f"{url}/")  # the default page lives at the root
        submit = "//button[.//p[normalize-space()='Price this listing']]"
        wait_for(d, "the listing form", lambda d: d.find_elements(By.XPATH, submit), timeout, "Prediction")
        wait_idle(d, timeout)
        assert_no_exception(d, "Prediction")
        # A script click: the form is fully drawn, and no overlay (toolbar, toast) can take the click.
        d.execute_script("arguments[0].click();", d.find_element(By.XPATH, submit))
        wait_for(d, "a price", lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stMetricValue"]'), timeout, "Prediction")
        wait_for(d, "the SHAP waterfall", lambda d: d.find_elements(By.CSS_SELECTOR, '[data-testid="stImage"] img, [data-testid="stImageContainer"] img, img[src*="media"]'), timeout, "Prediction")
        wait_idle(d, timeout)
        assert_no_exception(d, "Prediction")
        price = d.find_element(By.CSS_SELECTOR, '[data-testid="stMetricValue"]').text.strip()
        m = re.search(r"Model (\S+) v(\d+)", body_text(d))
        if not re.fullmatch(r"\$[\d,]+", price) or not m:
            raise CheckFailed(f"no price with a model version on the Prediction page (price {price!r}); the page says:\n{body_text(d)[:1500]}")
        if expect_version and m.group(2) != expect_version:
            raise CheckFailed(f"the price came from v{m.group(2)}, expected the champion v{expect_version}")
        full_screenshot(d, out / "prediction.png")
        shots.append(str(out / "prediction.png"))

        for path, title, charts in (("history", "Model history", 4), ("batches", "Batches", 2)):
            d.get(f"{url}/{path}")
            wait_for(d, f"the {title} page", lambda d: title in body_text(d), timeout, title)
            wait_for(d, f"{charts} charts on {title}", lambda d: charts_drawn(d, charts), timeout, title)
            wait_idle(d, timeout)
            assert_no_exception(d, title)
            full_screenshot(d, out / f"{path}.png")
            shots.append(str(out / f"{path}.png"))
        return {"ok": True, "price": price, "model": m.group(1), "version": m.group(2), "screenshots": shots}
    except Exception:
        d.save_screenshot(str(out / "failure.png"))
        raise
    finally:
        d.quit()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--url", required=True, help="the running UI, e.g. http://127.0.0.1:8501")
    p.add_argument("--out", required=True, help="folder for the screenshots")
    p.add_argument("--expect-version", help="fail unless the price comes from this model version")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for each page state")
    a = p.parse_args()
    try:
        result = check(a.url.rstrip("/"), Path(a.out), a.expect_version, a.timeout)
    except Exception as err:  # every failure ends as the JSON line the caller reads
        print(json.dumps({"ok": False, "error": f"{type(err).__name__}: {err}"[:4000]}))
        return 1
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())

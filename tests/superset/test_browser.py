"""Headless Chromium (Debian's chromium + chromium-driver) opens every dashboard as a user would.

Logs in through the login form as the 市级 analyst, opens each of the seven dashboards, waits until
every chart has rendered, asserts none shows an error, and saves a screenshot per dashboard to
`docs/screenshots/` (shown in the README). A chart that answers "no results" (Superset's empty state:
its mart has no rows for the city) fails the test at once, naming the chart.
"""

from __future__ import annotations

import shutil
import time

import pytest

from superset_assets import declaration as decl
from superset_assets import security
from yikatong.settings import REPO_ROOT

pytestmark = [pytest.mark.superset, pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]

SHOTS = REPO_ROOT / "docs" / "screenshots"
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
HOLDER = '[data-test="dashboard-component-chart-holder"]'
LOADING = '[data-test="loading-indicator"], .loading'
ERRORS = '[data-test="error-alert"], .ant-alert-error, .alert-danger'
RENDERED = "canvas, table, .header-line, .superset-legacy-chart-big-number"
NO_RESULTS = '[role="img"][aria-label="empty"], .ant-empty'  # Superset's EmptyState (无结果)
CHART_NAME = "[data-test-chart-name]"


@pytest.fixture(scope="module")
def browser(superset_site):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("缺少 chromium / chromium-driver：运行 scripts/setup-system.sh")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1600,1200"):
        options.add_argument(arg)
    options.add_argument("--lang=zh-CN")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(120)
    user = next(u for u in security.demo_users() if u.username == "city_analyst")
    driver.get(f"{superset_site.url}/login/")
    _wait(driver, lambda: driver.find_elements(By.CSS_SELECTOR, '[data-test="username-input"]'), 60)
    driver.find_element(By.CSS_SELECTOR, '[data-test="username-input"]').send_keys(user.username)
    driver.find_element(By.CSS_SELECTOR, '[data-test="password-input"]').send_keys(user.password)
    driver.find_element(By.CSS_SELECTOR, '[data-test="login-button"]').click()
    _wait(driver, lambda: "/login" not in driver.current_url, 60)
    yield driver
    driver.quit()


def _wait(driver, condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"等待超时（{timeout}s）：{driver.current_url}")
        time.sleep(0.5)


def _chart_states(driver) -> list[tuple[str, str]]:
    """Per chart holder, its name and state: 'error', 'loading', 'no-results', 'rendered' or 'empty'."""
    from selenium.webdriver.common.by import By

    states = []
    for holder in driver.find_elements(By.CSS_SELECTOR, HOLDER):
        named = holder.find_elements(By.CSS_SELECTOR, CHART_NAME)
        name = named[0].get_attribute("data-test-chart-name") if named else "?"
        if holder.find_elements(By.CSS_SELECTOR, ERRORS):
            states.append((name, "error"))
        elif holder.find_elements(By.CSS_SELECTOR, LOADING):
            states.append((name, "loading"))
        elif holder.find_elements(By.CSS_SELECTOR, NO_RESULTS):
            states.append((name, "no-results"))
        elif holder.find_elements(By.CSS_SELECTOR, RENDERED):
            states.append((name, "rendered"))
        else:
            states.append((name, "empty"))
    return states


def _page_height(dashboard) -> int:
    """Pixels for the whole dashboard (Superset's grid unit is 8 px), so one screenshot shows it all."""
    rows = [max(decl.chart(key).grid_height for key in row) * 8 + 24 for row in dashboard.rows]
    return 160 + sum(rows)


@pytest.mark.parametrize("dashboard", decl.DASHBOARDS, ids=lambda d: d.slug)
def test_dashboard_renders_every_chart(superset_site, browser, dashboard) -> None:
    browser.set_window_size(1600, _page_height(dashboard))
    browser.get(f"{superset_site.url}/superset/dashboard/{dashboard.slug}/?standalone=1")
    expected = len(dashboard.charts)

    def settled() -> bool:
        states = _chart_states(browser)
        blank = [name for name, state in states if state == "no-results"]
        if blank:  # the query answered with no rows: waiting longer cannot help
            pytest.fail(f"{dashboard.title}：图表无数据（无结果）：{'、'.join(blank)}")
        return len(states) == expected and all(s in {"rendered", "error"} for _, s in states)

    _wait(browser, settled, 120)
    failed = [name for name, state in _chart_states(browser) if state == "error"]
    assert not failed, f"{dashboard.title}：{len(failed)} 个图表出错：{'、'.join(failed)}"
    assert dashboard.title in browser.title or dashboard.title in browser.page_source
    time.sleep(1)  # ECharts animates its first draw
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SHOTS / f"{dashboard.slug}.png"))

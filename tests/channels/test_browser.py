"""Headless Chromium through the H5 pages: enter from the channel, apply, follow the progress as staff
moves the application on. The platform runs as a real server (uvicorn subprocess) on `ops_test`."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from urllib.parse import quote

import httpx
import pytest

from services.base.permissions import Role
from tests.channels.photo_support import id_image, live_photo
from tests.channels.registries_support import HOLDER_DB, INSURANCE_DB
from tests.channels.test_applications import QUEUE
from tests.services.cards_support import person
from tests.services.helpers import TEST_DB, make_staff
from yikatong.settings import REPO_ROOT, get_settings

pytestmark = [
    pytest.mark.integration,
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.asyncio(loop_scope="session"),
]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def site(province, registries):
    port = _free_port()
    env = os.environ | {"YKT_OPS_DATABASE": TEST_DB, "YKT_CARD_SYSTEM_URL": get_settings().card_system_url}
    env |= {"YKT_CHANNEL_HOLDER_DATABASE": HOLDER_DB, "YKT_CHANNEL_INSURANCE_DATABASE": INSURANCE_DB}
    command = [sys.executable, "-m", "uvicorn", "services.app:create_app", "--factory", "--port", str(port),
               "--log-level", "warning"]  # fmt: skip
    server = subprocess.Popen(command, cwd=REPO_ROOT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/api/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                pytest.fail("平台服务未能启动")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:  # a loaded machine: the lifespan loops may not stop in time
            server.kill()
            server.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.fail("缺少 chromium / chromium-driver：运行 scripts/setup-system.sh")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=390,844",
        "--lang=zh-CN",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


async def test_a_resident_applies_and_follows_progress(client, channel, site, browser):
    from selenium.webdriver.common.by import By

    browser.get(f"{site}/h5/enter?assertion={quote(channel.assertion(person(601), '郑浏览'))}")
    assert "郑浏览" in browser.find_element(By.TAG_NAME, "main").text
    browser.find_element(By.LINK_TEXT, "申领").click()
    browser.find_element(By.NAME, "phone").send_keys("13800138000")
    browser.find_element(By.NAME, "address").send_keys("<b>乐山市</b>")
    browser.find_element(By.NAME, "outlet_code").send_keys("511102004001")
    uploads = REPO_ROOT / "var" / "test" / "h5-uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "id.jpg").write_bytes(id_image(person(601), "郑浏览"))
    (uploads / "me.jpg").write_bytes(live_photo())
    browser.find_element(By.NAME, "id_image").send_keys(str(uploads / "id.jpg"))
    browser.find_element(By.NAME, "photo").send_keys(str(uploads / "me.jpg"))
    browser.find_element(By.ID, "submit").click()
    assert "已退回" not in browser.page_source and browser.find_element(By.ID, "error").text  # 地址含尖括号
    assert "身份证人像面已上传" in browser.page_source and "制卡照片已上传" in browser.page_source  # kept
    browser.find_element(By.NAME, "address").clear()
    browser.find_element(By.NAME, "address").send_keys("乐山市市中区嘉定路1号")
    browser.find_element(By.ID, "submit").click()
    assert "/h5/progress/" in browser.current_url
    assert browser.find_element(By.ID, "state").text == "待受理"
    app_id = int(browser.current_url.rsplit("/", 1)[1])
    operator = make_staff("szq_front", Role.OPERATOR, "511102")
    county = make_staff("szq_back", Role.REGION_ADMIN, "511102")
    assert (
        await client.post(f"{QUEUE}/{app_id}/accept", headers=operator.headers, json={})
    ).status_code == 200
    browser.refresh()
    assert browser.find_element(By.ID, "state").text == "待审核"
    assert (
        await client.post(f"{QUEUE}/{app_id}/approve", headers=county.headers, json={})
    ).status_code == 200
    browser.refresh()
    assert browser.find_element(By.ID, "state").text == "已提交省卡管"
    assert len(browser.find_elements(By.CSS_SELECTOR, "ol.timeline li")) == 3
    browser.save_screenshot(str(REPO_ROOT / "var" / "test" / "h5-progress.png"))

"""The dashboard in a real headless Chromium (Selenium and Debian's chromedriver): sign in, filter
by category, search 行政指導, open an item, mark a label wrong, sign out. Screenshots of each step
go to the test artifacts; with REGWATCH_UPDATE_DOCS=1 they also replace the README's, one of each
page in docs/dashboard/ (a test run leaves the checkout as it was)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from dashboard import DashboardSettings, create_app
from tests.browser import ARTIFACTS, chromium
from tests.dashboard_data import FIRST_DEADLINE, GUIDANCE, PASSWORDS, config, seeded_store
from tests.servers import PROJECT_ROOT, free_port

DOCS = PROJECT_ROOT / "docs" / "dashboard"
CHROMEDRIVER = "/usr/bin/chromedriver"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    database, _ids = seeded_store(f"sqlite:///{tmp_path / 'regwatch.db'}")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(DashboardSettings(database, config(), b"browser-test" * 3)), host="127.0.0.1", port=port,
                       log_config=None, access_log=False)
    )  # fmt: skip
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    database.dispose()


@pytest.fixture
def browser() -> Iterator[object]:
    from selenium import webdriver
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1000,1400"):
        options.add_argument(argument)
    if not Path(CHROMEDRIVER).exists():
        pytest.skip(f"{CHROMEDRIVER} is absent (Debian: apt-get install chromium-driver)")
    try:
        driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    except WebDriverException as exc:
        pytest.skip(f"chromium could not start under chromedriver: {exc.msg}")
    yield driver
    driver.quit()


def shot(driver, name: str, *, fit: bool = True) -> None:
    """The page as ARTIFACTS/dashboard-NAME.png (the window grown to the page when ``fit``)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if fit:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1000, min(max(height, 600), 2400))
    target = ARTIFACTS / f"dashboard-{name}.png"
    driver.save_screenshot(str(target))
    if os.environ.get("REGWATCH_UPDATE_DOCS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, DOCS / f"{name}.png")


def click_and_load(driver, css: str | None = None, link: str | None = None) -> None:
    """Click what navigates, and wait until the next page has replaced this one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    page = driver.find_element(By.TAG_NAME, "html")
    target = (By.LINK_TEXT, link) if link else (By.CSS_SELECTOR, css)
    # Chromium now and then answers a click on an element found a moment before with "node does not
    # belong to the document" while it settles the page: the element is found and clicked again.
    WebDriverWait(driver, 15, ignored_exceptions=(WebDriverException,)).until(lambda d: d.find_element(*target).click() or True)
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(page))


def test_an_editor_finds_an_item_marks_its_label_wrong_and_signs_out(served, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver = browser
    driver.get(served)
    assert driver.current_url.startswith(f"{served}/login")
    shot(driver, "login")
    driver.find_element(By.NAME, "name").send_keys("editor")
    driver.find_element(By.NAME, "password").send_keys(PASSWORDS["editor"])
    click_and_load(driver, "form.login button")
    assert "記事一覧" in driver.title
    Select(driver.find_element(By.NAME, "category")).select_by_value("guidance_notice")
    click_and_load(driver, "form.filters button")
    assert [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".items .title")] == [GUIDANCE]
    box = driver.find_element(By.NAME, "q")
    Select(driver.find_element(By.NAME, "category")).select_by_value("")
    box.clear()
    box.send_keys("行政指導")
    click_and_load(driver, "form.filters button")
    assert [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".items .title")] == [GUIDANCE]
    shot(driver, "items")
    driver.set_window_size(390, 844)  # a phone: one column, nothing wider than the screen
    assert driver.execute_script("return document.documentElement.scrollWidth") <= 390
    shot(driver, "items-phone", fit=False)
    driver.set_window_size(1000, 1400)
    click_and_load(driver, link=GUIDANCE)
    assert driver.find_element(By.TAG_NAME, "h1").text == GUIDANCE
    click_and_load(driver, "button.wrong")
    assert "「行政指導・命令」を誤りと報告" in driver.find_element(By.CSS_SELECTOR, ".history").text
    shot(driver, "item")
    versions = driver.find_elements(By.LINK_TEXT, "全文を見る")
    assert len(versions) == 2, "the item as first fetched and as updated"
    driver.get(versions[-1].get_attribute("href"))  # the oldest, listed last
    assert driver.find_element(By.TAG_NAME, "h1").text == GUIDANCE
    assert "第1版" in driver.find_element(By.CSS_SELECTOR, ".meta").text
    assert FIRST_DEADLINE in driver.find_element(By.CSS_SELECTOR, ".body").text
    shot(driver, "version")
    driver.get(f"{served}/sources")
    shot(driver, "sources")
    driver.get(f"{served}/outbox")
    shot(driver, "outbox")
    click_and_load(driver, "form.logout button")
    assert driver.current_url == f"{served}/login"
    driver.get(served)
    assert driver.current_url.startswith(f"{served}/login")

"""The reference web app (examples/webapp) clicked through in a real headless Chromium.

Debian's ``chromium`` and its matching ``chromium-driver`` are driven by Selenium given the
driver's path, so nothing is downloaded at run time. The app is served by uvicorn on
127.0.0.1 (a free port) in a thread. Without Chromium the test is skipped, with the reason,
unless ``CI`` is set: there it fails, because CI installs Chromium (``.ci/run``).
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from test_webapp import load_webapp
from threetalk.store import verify_store

if TYPE_CHECKING:
    from collections.abc import Iterator

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def _require_chromium() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if not missing:
        return
    reason = (
        f"Debian's Chromium is not installed ({', '.join(missing)} missing): "
        "apt-get install chromium chromium-driver"
    )
    if os.environ.get("CI"):
        pytest.fail(f"CI is set, so the browser test must run: {reason}")
    pytest.skip(reason)


def _gone(element: Any) -> bool:
    """The element's page was replaced (Chromium may say so in either of two ways)."""
    from selenium.common.exceptions import WebDriverException  # stale is one of these

    try:
        element.is_enabled()
    except WebDriverException:
        return True
    return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Any]]:
    """The app over a fresh SQLite store, served on 127.0.0.1; yields its URL and app."""
    _require_chromium()
    uvicorn = pytest.importorskip("uvicorn")
    app = load_webapp().create_app(str(tmp_path / "talks.db"))
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert thread.is_alive(), "uvicorn stopped before it started"
        assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium, Debian's, through Debian's driver."""
    _require_chromium()
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",  # needed as root
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1200,2400",
        f"--user-data-dir={tmp_path / 'chromium-profile'}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(10)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(tmp_path / "chromium-profile", ignore_errors=True)


def test_a_whole_conversation_in_chromium(  # noqa: PLR0915 - one story, click by click
    served: tuple[str, Any], browser: Any, tmp_path: Path
) -> None:
    """Click through a conversation: a refusal's reason shows, and the store verifies."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    url, app = served

    def submit(button: Any) -> None:
        """Click a form's button and wait for the page that answers it."""
        try:
            button.click()
        except WebDriverException as error:  # the page left while the driver looked back
            if "does not belong to the document" not in str(error):
                raise
        wait = WebDriverWait(browser, 10)
        wait.until(lambda _driver: _gone(button))
        wait.until(lambda driver: driver.execute_script("return document.readyState") == "complete")

    def fill(command: str, **values: str) -> None:
        for field, value in values.items():
            element = browser.find_element(By.ID, f"{command}-{field}")
            if element.tag_name == "select":
                Select(element).select_by_value(value)
            else:
                element.clear()
                element.send_keys(value)
        submit(browser.find_element(By.ID, f"submit-{command}"))

    def sign_in(name: str) -> None:
        submit(browser.find_element(By.CSS_SELECTOR, "#signout button"))
        browser.find_element(By.ID, "signin-name").send_keys(name)
        submit(browser.find_element(By.ID, "signin-submit"))
        assert browser.find_element(By.ID, "me").text == name

    browser.get(url + "/")
    submit(browser.find_element(By.ID, "start"))
    conversation = browser.current_url.rsplit("/", 1)[-1]
    browser.find_element(By.ID, "join-name").send_keys("Doctor")
    Select(browser.find_element(By.ID, "join-role")).select_by_value("professional")
    submit(browser.find_element(By.ID, "join-submit"))
    submit(browser.find_element(By.CSS_SELECTOR, "#signout button"))
    browser.find_element(By.ID, "join-name").send_keys("Ann")
    submit(browser.find_element(By.ID, "join-submit"))  # client is the first role
    assert browser.find_element(By.ID, "me").text == "Ann"

    sign_in("Doctor")
    fill("move_to", phase="team_talk")
    assert browser.find_element(By.ID, "phase").text == "team talk"
    fill("move_to", phase="option_talk")  # no problem, no goal yet: refused (R2)
    reasons = browser.find_element(By.ID, "reasons").text
    assert "goal" in reasons
    assert "REFUSED" in browser.find_element(By.ID, "timeline").text

    sign_in("Ann")
    fill("state_problem", text="My knee hurts when I walk")
    fill("add_goal", text="Walk to the shop")
    sign_in("Doctor")
    fill("move_to", phase="option_talk")
    fill("propose_option", text="Physiotherapy")
    fill("propose_option", text="Wait and see")
    fill("add_consideration", option="o1", stance="pro", text="Strength comes back")
    fill("add_consideration", option="o2", stance="con", text="Pain may stay")
    fill("move_to", phase="decision_talk")
    sign_in("Ann")
    fill("state_preference", option="o1")
    sign_in("Doctor")
    when = datetime.now(UTC).astimezone().date() + timedelta(days=1)
    fill(
        "propose_decision",
        option="o1",
        who="Ann",
        what="Twice a week",
        when=when.isoformat(),
        review_on=(when + timedelta(days=42)).isoformat(),
    )
    sign_in("Ann")
    fill("consent")

    timeline = browser.find_element(By.ID, "timeline").text
    assert "decided" in timeline
    assert "Chain verified" in browser.find_element(By.ID, "head").text
    screenshot = tmp_path / "webapp-decided.png"
    assert browser.save_screenshot(str(screenshot))
    print(f"screenshot: {screenshot}")  # noqa: T201 - the test artefact's path
    assert screenshot.stat().st_size > 1000
    assert conversation in [info.conversation_id for info in app.state.store.conversations()]
    assert verify_store(app.state.store).ok

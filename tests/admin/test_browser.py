"""The admin import page in a real browser: headless Chromium driven by Selenium, against a
live server, as Django's own admin Selenium tests do.

They need Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and
skip, saying so, where those are missing, unless ``SAFEIMPORT_REQUIRE_BROWSER`` is set (CI
sets it), where they fail instead. Each step is saved as a screenshot, into
``SAFEIMPORT_SCREENSHOTS`` when it is set (the docs' pictures are made with
``SAFEIMPORT_SCREENSHOTS=docs/images``), else into the test's temporary folder.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import connections
from pytest_django.live_server_helper import LiveServer

from tests.admin.conftest import CHANGELIST_URL, IMPORT_URL, MakeUser, books_csv
from tests.conftest import restart
from tests.importapp.models import Author, Book

pytestmark = pytest.mark.django_db(transaction=True)

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# The flags of a quiet headless Chromium that asks nothing of the network.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1280,900",
]
WIDTH = 1280


def _missing() -> list[str]:
    missing = [
        name
        for name, found in (("chromium", CHROMIUM), ("chromedriver", CHROMEDRIVER))
        if not found
    ]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium")
    return missing


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A headless Chromium with an empty profile."""
    missing = _missing()
    if missing:
        reason = (
            f"the browser tests need {' and '.join(missing)} (apt-get install chromium "
            "chromium-driver; pip install -e '.[test]')"
        )
        if os.environ.get("SAFEIMPORT_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        driver.quit()


Shot = Callable[[str], Path]


@pytest.fixture
def shot(browser: Any, tmp_path: Path) -> Shot:
    """Save the whole page as ``admin-NAME.png``."""
    folder = Path(os.environ.get("SAFEIMPORT_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)

    def save(name: str) -> Path:
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.set_window_size(WIDTH, max(600, min(int(height) + 120, 2400)))
        path = folder / f"admin-{name}.png"
        assert browser.save_screenshot(str(path)), path
        return path

    return save


def wait_for(browser: Any, selector: str, text: str = "", timeout: float = 30) -> Any:
    """The element at ``selector`` once it is there (and holds ``text``)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.wait import WebDriverWait

    located = (By.CSS_SELECTOR, selector)
    condition = (
        ec.text_to_be_present_in_element(located, text)
        if text
        else ec.presence_of_element_located(located)
    )
    WebDriverWait(browser, timeout).until(condition)
    return browser.find_element(*located)


def log_in(browser: Any, server: LiveServer, user: User) -> None:
    """Log in through the admin's login page."""
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(f"{server.url}/admin/login/?next=/admin/")
    browser.find_element(By.NAME, "username").send_keys(user.username)
    browser.find_element(By.NAME, "password").send_keys("secret")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for(browser, "#user-tools")


def texts(browser: Any, selector: str) -> list[str]:
    """The text of every element at ``selector``."""
    from selenium.webdriver.common.by import By

    return [element.text for element in browser.find_elements(By.CSS_SELECTOR, selector)]


def test_upload_preview_confirm_and_find_the_rows(
    browser: Any, live_server: LiveServer, make_user: MakeUser, tmp_path: Path, shot: Shot
) -> None:
    from selenium.webdriver.common.by import By

    author = Author.objects.create(name="Writer")
    Book.objects.create(id=100, title="Already here", code="old")
    restart(Book)  # the sequence at its start, behind the row with id 100
    user = make_user("add", "change", "view", name="editor")
    log_in(browser, live_server, user)

    browser.get(live_server.url + CHANGELIST_URL)
    link = wait_for(browser, "a.safeimport-import-link")
    shot("1-changelist")
    link.click()

    wait_for(browser, "#safeimport-import-form")
    upload = books_csv(tmp_path, author)
    browser.find_element(By.NAME, "import_file").send_keys(str(upload))
    browser.find_element(By.CSS_SELECTOR, "input[name=on_error][value=skip]").click()
    shot("2-form")
    browser.find_element(By.NAME, "_preview").click()

    wait_for(browser, "#safeimport-counts")
    assert browser.find_element(By.ID, "count-read").text == "5"
    assert browser.find_element(By.ID, "count-new").text == "3"
    assert browser.find_element(By.ID, "count-rejected").text == "2"
    assert texts(browser, "#safeimport-rejects td.line") == ["3", "5"]
    reasons = texts(browser, "#safeimport-rejects td.reason")
    assert "invalid input syntax for type integer" in reasons[0]
    assert "999999 matches no row of importapp.Author" in reasons[1]
    assert texts(browser, "#safeimport-mapping tbody tr") == [
        "id id",
        "title title",
        "author_id author",
        "pages pages",
        "code code",
    ]
    assert texts(browser, "#safeimport-sequences tbody tr") == ["importapp_book_id_seq id 1 101"]
    assert Book.objects.count() == 1  # a preview writes nothing
    shot("3-preview")

    # The load waits for a lock on the table that this test holds, so that the page shows
    # its progress: the file read, the rows waiting to be written.
    locker = threading.Event()
    released = threading.Event()

    def hold_table() -> None:
        with connections["default"].cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute('LOCK TABLE "importapp_book" IN SHARE MODE')
            locker.set()
            released.wait(timeout=30)
            cursor.execute("COMMIT")
        connections["default"].close()

    holder = threading.Thread(target=hold_table)
    holder.start()
    try:
        assert locker.wait(timeout=10)
        browser.find_element(By.CSS_SELECTOR, "#safeimport-confirm-form input[type=submit]").click()
        wait_for(browser, "#safeimport-progress-text", "writing them")
        shot("4-progress")
    finally:
        released.set()
        holder.join()

    done = wait_for(browser, "#safeimport-done")
    assert "books.csv" in done.text
    assert browser.find_element(By.ID, "count-new").text == "3"
    assert browser.find_element(By.ID, "count-rejected").text == "2"
    assert texts(browser, "#safeimport-sequences tbody tr") == ["importapp_book_id_seq id 1 101"]
    assert browser.find_element(By.ID, "safeimport-rejects-download").is_displayed()
    shot("5-summary")

    browser.find_element(By.ID, "safeimport-back").click()
    wait_for(browser, "#result_list")
    titles = texts(browser, "#result_list td.field-title")
    assert sorted(titles) == ["Already here", "Beloved", "Dune", "Ulysses"]
    shot("6-changelist-after")
    assert sorted(Book.objects.values_list("id", flat=True)) == [1, 3, 5, 100]


def test_a_user_without_add_permission_gets_403(
    browser: Any, live_server: LiveServer, make_user: MakeUser, shot: Shot
) -> None:
    from selenium.webdriver.common.by import By

    user = make_user("view", name="reader")
    log_in(browser, live_server, user)
    browser.get(live_server.url + CHANGELIST_URL)
    wait_for(browser, "#changelist")
    assert browser.find_elements(By.CSS_SELECTOR, "a.safeimport-import-link") == []

    browser.get(live_server.url + IMPORT_URL)
    heading = wait_for(browser, "h1")
    assert "403" in heading.text
    shot("7-forbidden")

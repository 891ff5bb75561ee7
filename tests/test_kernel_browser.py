""" "The notebook opens in the right kernel", as a person sees it: a real JupyterLab server and a
real headless Chromium open a retargeted notebook. The kernel started is ours (the env's Python
runs the cell), with no kernel-picker dialog, also for a mixed-case ``--kernel-name``.

Needs jupyterlab and selenium (the test extra) and Debian's ``chromium`` and ``chromium-driver``
(``.ci/run`` installs them); skipped where they are missing, except in CI (``CI`` set), where a
missing part is a failure: this test must run there.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from build_helpers import build_json, copy_repo

pytestmark = pytest.mark.slow

TOKEN = "rees2conda-test-token"


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} missing in CI: the browser test must run there")
    pytest.skip(f"{what} missing")


def _need(module: str) -> None:
    try:
        __import__(module)
    except ImportError:
        _missing(module)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _chromedriver() -> tuple[str, str]:
    driver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    browser = shutil.which("chromium") or "/usr/bin/chromium"
    if not (os.path.exists(driver) and os.path.exists(browser)):
        _missing("chromium and chromium-driver")
    return driver, browser


def _get(url: str) -> object:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return json.loads(resp.read())


@pytest.fixture
def lab(tmp_path: Path, channel_env: dict[str, str]) -> Iterator[tuple[str, Path]]:
    """A JupyterLab server on 127.0.0.1 serving ``tmp_path/"work"``; yields (base URL, root)."""
    _need("jupyterlab")
    root = tmp_path / "work"
    root.mkdir()
    port = _free_port()
    env = {
        **channel_env,
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "lab-workspaces"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "lab-settings"),
    }
    # no "news" toast covering the page
    news = tmp_path / "lab-settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text('{"fetchNews": "false"}')
    log = open(tmp_path / "lab.log", "wb")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--allow-root",
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--ServerApp.token={TOKEN}",
            f"--ServerApp.root_dir={root}",
            "--LabApp.news_url=",
            "--ServerApp.open_browser=False",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get(f"{base}/api/status?token={TOKEN}")
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("JupyterLab did not start:\n" + (tmp_path / "lab.log").read_text())
                time.sleep(0.3)
        yield base, root
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def test_notebook_opens_in_our_kernel(
    tmp_path: Path, channel_env: dict[str, str], lab: tuple[str, Path]
) -> None:
    _need("selenium")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    base, root = lab
    repo = copy_repo("polyglot", root)
    result = build_json(repo, channel_env, "--kernel-name", "Lab-Kernel", "--display-name", "Ours")
    assert result["kernel_name"] == "lab-kernel"
    prefix = result["prefix"]

    driver_path, browser = _chromedriver()
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"):
        options.add_argument(arg)
    options.add_argument("--window-size=1400,1000")
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get(f"{base}/lab/tree/polyglot/python.ipynb?token={TOKEN}")
        wait = WebDriverWait(driver, 60)
        # the toolbar shows our kernel's display name once the kernel is up
        wait.until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".jp-KernelName"), "Ours"))
        assert driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog") == [], "a kernel picker"
        # run the cell the way a person does: click it, Shift+Enter
        cell = wait.until(
            ec.element_to_be_clickable((By.CSS_SELECTOR, ".jp-Notebook .jp-Cell .cm-content"))
        )
        cell.click()
        cell.send_keys(Keys.SHIFT, Keys.ENTER)
        output = wait.until(
            ec.text_to_be_present_in_element(
                (By.CSS_SELECTOR, ".jp-OutputArea-output"), str(prefix)
            )
        )
        assert output
        assert driver.find_elements(By.CSS_SELECTOR, ".jp-Dialog") == []
        driver.save_screenshot(str(tmp_path / "lab.png"))
    finally:
        driver.quit()
    sessions = _get(f"{base}/api/sessions?token={TOKEN}")
    assert isinstance(sessions, list)
    assert [s["kernel"]["name"] for s in sessions] == ["lab-kernel"]

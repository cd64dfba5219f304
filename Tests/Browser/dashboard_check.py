#!/usr/bin/env python3
"""Drives the statistics dashboard in headless Chromium (Debian's chromium and chromedriver,
Selenium from PyPI), for DashboardTests.

    dashboard_check.py BASE_URL USERNAME PASSWORD PAGE_QUERY SCREENSHOT_DIR

Signs in through the form, opens /dashboard/province?PAGE_QUERY, and prints one JSON line with the
figures as rendered: {"overview": {indicator: {value, target, status}}, "communes": {code: {...}}}.
Then, for each line `expect AREA VALUE` read from standard input, waits up to 20 s (without
reloading: the page must update itself from its server-sent events) until the commune's value
cell shows VALUE, and prints {"area", "value", "refreshes"}. Saves screenshots as it goes.
"""
import json
import os
import sys
import time

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By


def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1280,1800", "--lang=vi"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)


# Read in one script, so that a refresh of the figures cannot happen half-way through.
READ_FIGURES = """
function cells(row) {
  var found = {};
  row.querySelectorAll("td").forEach(function (cell) { found[cell.className] = cell.textContent.trim(); });
  return found;
}
var overview = {}, communes = {};
document.querySelectorAll("#overview tbody tr").forEach(function (row) { overview[row.dataset.indicator] = cells(row); });
document.querySelectorAll("#communes tbody tr").forEach(function (row) { communes[row.dataset.area] = cells(row); });
return {overview: overview, communes: communes, refreshes: document.body.dataset.refreshes || "0", live: document.body.dataset.live || ""};
"""


def figures(driver):
    return driver.execute_script(READ_FIGURES)


def main():
    base, username, password, query, shots = sys.argv[1:6]
    os.makedirs(shots, exist_ok=True)
    driver = browser()
    try:
        driver.get(base + "/dashboard")
        if "/dashboard/sign-in" not in driver.current_url:
            raise SystemExit("not sent to the sign-in form: " + driver.current_url)
        driver.save_screenshot(os.path.join(shots, "1-sign-in.png"))
        driver.find_element(By.ID, "username").send_keys(username)
        driver.find_element(By.ID, "password").send_keys(password)
        driver.find_element(By.ID, "sign-in").click()
        deadline = time.time() + 20
        while "/dashboard/province" not in driver.current_url and time.time() < deadline:
            time.sleep(0.1)
        if "/dashboard/province" not in driver.current_url:
            raise SystemExit("sign-in did not lead to the province page: " + driver.current_url + "\n" + driver.page_source[:2000])
        cookies = {cookie["name"]: cookie for cookie in driver.get_cookies()}
        session = cookies.get("statistics_session") or {}
        driver.save_screenshot(os.path.join(shots, "2-province-vi.png"))
        driver.get(base + "/dashboard/province?" + query)
        deadline = time.time() + 20
        while figures(driver)["live"] != "open" and time.time() < deadline:
            time.sleep(0.1)
        if figures(driver)["live"] != "open":
            raise SystemExit("the page's event stream did not open within 20 s")
        driver.save_screenshot(os.path.join(shots, "3-province-en.png"))
        shown = figures(driver)
        shown["cookie"] = {"httpOnly": session.get("httpOnly"), "sameSite": session.get("sameSite")}
        print(json.dumps(shown, ensure_ascii=False), flush=True)
        for line in sys.stdin:
            parts = line.split()
            if len(parts) != 3 or parts[0] != "expect":
                continue
            area, value = parts[1], parts[2]
            deadline = time.time() + 20
            seen = None
            while time.time() < deadline:
                seen = figures(driver)["communes"].get(area, {}).get("value")
                if seen == value:
                    break
                time.sleep(0.1)
            driver.save_screenshot(os.path.join(shots, "4-updated.png"))
            refreshes = figures(driver)["refreshes"]
            print(json.dumps({"area": area, "value": seen, "refreshes": refreshes}), flush=True)
    finally:
        driver.quit()


if __name__ == "__main__":
    main()

"""Every page of the portal in a real browser."""

from browser_support import t


def test_home(open_browser):
    tab = open_browser("vi")
    tab.goto("/")
    assert "Cổng dịch vụ công tỉnh Sigma" in tab.text()
    assert t("vi", "Search") != "Search"
    tab.look("home")

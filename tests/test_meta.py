"""Every registered scraper is exercised on a saved page, and the suite documents how."""

from scrapers.base import REGISTRY

# kind → the test module that parses a saved page with it
SCRAPER_TESTS = {
    "feed": "test_scrapers_feed.py",
    "html_list": "test_scrapers_html_list.py",
    "mic_press_list": "test_scrapers_mic.py",
    "nhk_feed": "test_scrapers_nhk.py",
    "mic_page": "test_scrapers_mic.py",
    "nhk_article": "test_scrapers_nhk.py",
}


def test_every_registered_scraper_has_a_fixture_test():
    from pathlib import Path

    registered = set(REGISTRY.lists) | set(REGISTRY.details)
    assert registered == set(SCRAPER_TESTS), "register the new scraper's fixture test here"
    tests = Path(__file__).parent
    for kind, module in SCRAPER_TESTS.items():
        assert f'"{kind}"' in (tests / module).read_text(encoding="utf-8"), f"{module} does not exercise {kind}"

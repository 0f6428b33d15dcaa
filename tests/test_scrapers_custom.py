"""A scraper of a user's own, as the README shows it: a small class that receives a BeautifulSoup
of only the parts of the page it keeps, registered by the same door as the built-ins."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from monitor.config import SourceConfig
from scrapers import REGISTRY, get_list_scraper
from scrapers.soup import Keep, parse_html
from tests.conftest import page_from_bytes
from tests.servers import PROJECT_ROOT

PAGE = """<html><head><meta charset="utf-8"><title>報道発表</title></head><body>
<div id="menu"><a href="/menu/ignored.html">メニュー</a></div>
<div id="hodo"><ul>
<li><span class="date">令和6年12月6日</span><a href="/hodo/20241206.html">府政に関する行政処分について</a></li>
<li><span class="date">令和6年12月5日</span>リンクのない行</li>
</ul></div></body></html>"""


def readme_example() -> str:
    """The README's add-on module, osaka_scrapers.py."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    example = re.search(r"```python\n(# osaka_scrapers\.py.*?)```", readme, re.S)
    assert example, "the README's scraper example is gone"
    return example.group(1)


@pytest.fixture
def readme_scraper() -> Iterator[str]:
    exec(compile(readme_example(), "README.md", "exec"), {})  # noqa: S102  (our own documentation)
    yield "osaka_press"
    del REGISTRY.lists["osaka_press"]  # the registry is the process's; other tests count its kinds


def test_the_readme_example_scraper_registers_and_reads_a_page(readme_scraper):
    scraper = get_list_scraper(readme_scraper)
    items = scraper.parse(page_from_bytes(PAGE.encode("utf-8"), "https://www.pref.osaka.lg.jp/hodo/"), scraper.options())
    assert [(item.title, item.link, item.published_at) for item in items] == [
        (
            "府政に関する行政処分について",
            "https://www.pref.osaka.lg.jp/hodo/20241206.html",
            datetime(2024, 12, 5, 15, 0, tzinfo=timezone.utc),
        )
    ]
    assert SourceConfig(id="osaka", kind=readme_scraper, url="https://www.pref.osaka.lg.jp/hodo/").kind == "osaka_press"


def test_keep_parses_only_the_named_parts():
    soup = parse_html(page_from_bytes(PAGE.encode("utf-8"), "https://www.pref.osaka.lg.jp/"), Keep("div#hodo", "title"))
    assert [a["href"] for a in soup.select("a")] == ["/hodo/20241206.html"]
    assert soup.title is not None and soup.title.get_text() == "報道発表"
    assert "メニュー" not in soup.get_text()
    # Broken markup: lxml closes what is left open, so a kept part ends where the parser ends it.
    broken = '<div class="nav"><p>menu<div class="y" data-k="a?b"><a href="/t">t</a><p>after</div></div></span><a href="/u">u</a>'
    kept = parse_html(page_from_bytes(broken.encode("utf-8"), "https://example.jp/"), Keep("div.y[data-k*='?']"))
    assert [a.get_text() for a in kept.select("a")] == ["t"]
    assert kept.get_text() == "tafter"


def test_a_keep_entry_that_is_not_a_simple_selector_is_refused_at_config_load():
    with pytest.raises(ValueError, match="'ul > li' is not a simple selector"):
        SourceConfig(id="x", kind="html_list", url="https://example.jp/", options={"item": "li", "keep": ["ul > li"]})


def test_an_installed_package_s_scraper_is_loaded_through_its_entry_point(tmp_path: Path):
    """As pip would install the README's add-on: its module, and the package's metadata declaring
    the ``regwatch.scrapers`` entry point; importing ``scrapers`` (a fresh process) registers it."""
    (tmp_path / "osaka_scrapers.py").write_text(readme_example(), encoding="utf-8")
    metadata = tmp_path / "osaka_scrapers-1.0.dist-info"
    metadata.mkdir()
    (metadata / "METADATA").write_text("Metadata-Version: 2.1\nName: osaka-scrapers\nVersion: 1.0\n", encoding="utf-8")
    (metadata / "entry_points.txt").write_text("[regwatch.scrapers]\nosaka = osaka_scrapers\n", encoding="utf-8")
    probe = "import scrapers; print(scrapers.get_list_scraper('osaka_press').description)"
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, "PYTHONPATH": str(tmp_path), "PYTHONIOENCODING": "utf-8"},
        cwd=tmp_path,
        capture_output=True,
        encoding="utf-8",
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "大阪府 報道発表: one row per release, 和暦 date then the linked title."

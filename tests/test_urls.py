from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.urls import _canonical_by_parts, canonical_url


def test_scheme_host_port_fragment_and_noise_are_normalized():
    assert canonical_url("http://WWW.Soumu.go.jp:80/menu_news/s-news/01kiban07_02000053.html?utm_source=x&fbclid=y#top") == (
        "https://www.soumu.go.jp/menu_news/s-news/01kiban07_02000053.html"
    )


def test_meaningful_query_parameters_are_kept_and_sorted():
    url = "https://public-comment.e-gov.go.jp/servlet/Public?Mode=0&id=145210763&CLASSNAME=PCMMSTDETAIL"
    assert canonical_url(url) == "https://public-comment.e-gov.go.jp/servlet/Public?CLASSNAME=PCMMSTDETAIL&Mode=0&id=145210763"


def test_relative_links_resolve_against_the_page():
    assert canonical_url("/menu_news/s-news/x.html", "https://www.soumu.go.jp/menu_news/s-news/index.html") == (
        "https://www.soumu.go.jp/menu_news/s-news/x.html"
    )


def test_non_default_ports_are_part_of_the_identity():
    assert canonical_url("http://127.0.0.1:8080/a") == "https://127.0.0.1:8080/a"


@settings(max_examples=500, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTP", "Https"]),
    host=st.text(alphabet="aZ09.-", min_size=1, max_size=12),
    port=st.sampled_from(["", ":80", ":443", ":8080", ":180", ":"]),
    path=st.text(alphabet="/aZ09_.~!$&'()*+,;=:@%-?#é ", max_size=20),
)
def test_plain_urls_are_canonical_as_urlsplit_reads_them(scheme, host, port, path):
    url = f"{scheme}://{host}{port}{path}"
    assert canonical_url(url) == _canonical_by_parts(url.strip())


def test_the_shortcut_keeps_paths_as_written():
    assert canonical_url("HTTPS://Example.JP:443//a/B%20c;d=1/@x") == "https://example.jp//a/B%20c;d=1/@x"
    assert canonical_url("http://Example.JP") == "https://example.jp/"

import tomllib
from importlib import resources
from pathlib import Path

import pytest

from monitor.config import Config, load_settings, parse_duration
from monitor.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "regwatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_built_in_sources_and_console_alerts():
    settings = load_settings(None, env={})
    assert {s.id for s in settings.config.sources} >= {"mic-news", "mic-press", "nhk-politics"}
    assert settings.config.channels["default"].kind == "console"
    assert settings.database_url == "sqlite:///regwatch.db"
    mic = next(s for s in settings.config.sources if s.id == "mic-news")
    assert mic.include_links == ["/menu_news/s-news/"]


def test_errors_name_the_file_and_the_key(tmp_path):
    path = write(tmp_path, '[fetch]\ntimeout = "5x"\n[[sources]]\nid = "a"\nkind = "fed"\nurl = "https://x"\ncolour = 1\n')
    with pytest.raises(ConfigError) as error:
        load_settings(path, env={})
    message = str(error.value)
    assert f"{path}: fetch.timeout: invalid duration '5x'" in message
    assert f"{path}: sources[0] (a).kind: unknown source kind 'fed'; valid kinds: feed, html_list" in message
    assert f"{path}: sources[0] (a).colour: unknown key" in message


def test_a_contact_that_would_break_the_user_agent_header_is_refused_at_load(tmp_path):
    path = write(tmp_path, '[fetch]\ncontact = "mailto:ops@example.jp\\r\\nX-Injected: 1"\n')
    with pytest.raises(ConfigError, match=r"fetch\.contact: .*control characters: it is sent in the User-Agent header"):
        load_settings(path, env={})
    assert load_settings(write(tmp_path, '[fetch]\ncontact = "mailto:ops@example.jp"\n'), env={}).config.fetch.contact


def test_unknown_top_level_key_and_scraper_options_are_rejected(tmp_path):
    path = write(
        tmp_path, 'token = "xoxb-secret"\n[[sources]]\nid = "b"\nkind = "html_list"\nurl = "https://x"\noptions = {itme = "li"}\n'
    )
    with pytest.raises(ConfigError) as error:
        load_settings(path, env={})
    assert "token: unknown key" in str(error.value)
    assert "sources[0] (b).options: item: Field required; itme: unknown key (for kind 'html_list')" in str(error.value)


def test_invalid_css_selector_and_regex_are_caught_at_load(tmp_path):
    path = write(
        tmp_path,
        '[[sources]]\nid = "b"\nkind = "html_list"\nurl = "https://x"\ninclude_links = ["(unclosed"]\noptions = {item = "li[["}\n',
    )
    with pytest.raises(ConfigError) as error:
        load_settings(path, env={})
    assert "invalid regular expression '(unclosed'" in str(error.value)
    assert "invalid CSS selector 'li[['" in str(error.value)


def test_routes_must_name_defined_channels_and_sources(tmp_path):
    path = write(tmp_path, '[[routes]]\nname = "r"\nchannels = ["nowhere"]\nsources = ["mic-news"]\n')
    with pytest.raises(ConfigError, match="unknown channel 'nowhere'"):
        load_settings(path, env={})


def test_slack_channel_needs_the_token_from_the_environment(tmp_path):
    path = write(tmp_path, '[channels.default]\nkind = "slack"\nchannel = "#regwatch"\n')
    with pytest.raises(ConfigError, match="needs SLACK_BOT_TOKEN in the environment"):
        load_settings(path, env={})
    settings = load_settings(path, env={"SLACK_BOT_TOKEN": "xoxb-1", "REGWATCH_DATABASE_URL": "sqlite:///x.db"})
    assert settings.slack_token == "xoxb-1"
    assert settings.database_url == "sqlite:///x.db"


def test_user_lists_replace_defaults_and_tables_merge(tmp_path):
    path = write(
        tmp_path,
        '[fetch]\ntimeout = "5s"\n[[sources]]\nid = "only"\nkind = "feed"\nurl = "https://example.jp/feed.xml"\ninterval = "1h30m"\n',
    )
    config = load_settings(path, env={}).config
    assert [s.id for s in config.sources] == ["only"]
    assert config.sources[0].interval == 5400
    assert config.fetch.timeout == 5 and config.fetch.max_body_bytes == 10_000_000
    assert [r.name for r in config.routes] == ["everything"]


def test_config_file_from_environment_variable(tmp_path):
    path = write(tmp_path, "[fetch]\nconcurrency = 3\n")
    assert load_settings(None, env={"REGWATCH_CONFIG": str(path)}).config.fetch.concurrency == 3


@pytest.mark.parametrize("text,seconds", [(30, 30), ("90s", 90), ("10m", 600), ("1h30m", 5400), ("1d", 86400)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_every_config_key_is_documented_in_defaults_toml():
    documented = tomllib.loads(resources.files("monitor").joinpath("defaults.toml").read_text(encoding="utf-8"))
    for section in ("service", "fetch", "attachments", "delivery", "slack", "smtp", "health", "metrics", "logging"):
        model = Config.model_fields[section].annotation
        assert set(model.model_fields) == set(documented[section]), f"[{section}] keys and defaults.toml differ"

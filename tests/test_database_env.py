"""The database given by its parts (REGWATCH_DATABASE_HOST, _PORT, _USER, _PASSWORD, _NAME), as the
compose file passes it: any password reaches the driver as it was written."""

import pytest
from sqlalchemy.engine import make_url

from monitor.cli.admin import redacted
from monitor.config import load_settings
from monitor.errors import ConfigError
from monitor.store.database import _alembic_config

AWKWARD_PASSWORD = "p@ss/w:rd%"
PARTS = {
    "REGWATCH_DATABASE_HOST": "postgres",
    "REGWATCH_DATABASE_PORT": "5433",
    "REGWATCH_DATABASE_USER": "regwatch",
    "REGWATCH_DATABASE_PASSWORD": AWKWARD_PASSWORD,
    "REGWATCH_DATABASE_NAME": "regwatch",
}


def test_a_password_with_url_delimiters_reaches_the_driver_unchanged():
    url = load_settings(env=PARTS).database_url
    parsed = make_url(url)
    assert (parsed.drivername, parsed.host, parsed.port, parsed.database) == ("postgresql+psycopg", "postgres", 5433, "regwatch")
    assert (parsed.username, parsed.password) == ("regwatch", AWKWARD_PASSWORD)
    # What psycopg is called with, and what the migrations read back through configparser.
    _, connect_arguments = parsed.get_dialect()().create_connect_args(parsed)
    assert connect_arguments["password"] == AWKWARD_PASSWORD
    assert make_url(_alembic_config(url).get_main_option("sqlalchemy.url")).password == AWKWARD_PASSWORD
    assert "p%40ss" not in redacted(url) and AWKWARD_PASSWORD not in redacted(url)


def test_parts_default_the_port_and_take_a_bare_host():
    parsed = make_url(load_settings(env={"REGWATCH_DATABASE_HOST": "db", "REGWATCH_DATABASE_NAME": "rw"}).database_url)
    assert (parsed.host, parsed.port, parsed.database, parsed.username, parsed.password) == ("db", 5432, "rw", None, None)


def test_the_url_wins_over_the_parts():
    env = {**PARTS, "REGWATCH_DATABASE_URL": "sqlite:///elsewhere.db"}
    assert load_settings(env=env).database_url == "sqlite:///elsewhere.db"


def test_no_url_and_no_parts_is_the_embedded_sqlite_file():
    assert load_settings(env={}).database_url == "sqlite:///regwatch.db"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"REGWATCH_DATABASE_PASSWORD": "x"}, "REGWATCH_DATABASE_HOST is required"),
        ({"REGWATCH_DATABASE_HOST": "db", "REGWATCH_DATABASE_PORT": "54x"}, "REGWATCH_DATABASE_PORT"),
    ],
)
def test_incomplete_or_wrong_parts_are_named(env, message):
    with pytest.raises(ConfigError, match=message):
        load_settings(env=env)

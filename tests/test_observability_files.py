"""The Prometheus alert rules and the Grafana dashboard in deploy/ stay valid and name only series
regwatch exports; the README lists every metric."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable

import pytest
from ruamel.yaml import YAML  # comes with check-jsonschema, a test dependency

from monitor import metrics_db
from monitor.metrics import REGISTRY
from tests.servers import PROJECT_ROOT

RULES = PROJECT_ROOT / "deploy/prometheus/alerts.yml"
RULES_TESTS = PROJECT_ROOT / "deploy/prometheus/alerts_test.yml"  # promtool's unit tests of the rules
DASHBOARD = PROJECT_ROOT / "deploy/grafana/regwatch-dashboard.json"
METRIC_NAME = re.compile(r"\bregwatch_[a-z_]+\b")


def exported_names(families: Iterable[object]) -> set[str]:
    """The sample names a set of metric families exposes (``_total`` of counters, ``_bucket``,
    ``_sum`` and ``_count`` of histograms), to check that rules and dashboards name real series."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "summary": ("_sum", "_count", "_created"),
        "gauge": ("",),
        "info": ("_info",),
    }
    names: set[str] = set()
    for family in families:
        name, kind = getattr(family, "name"), getattr(family, "type")  # noqa: B009  (any family-like object)
        names.update(name + suffix for suffix in suffixes.get(kind, ("",)))
    return names


def families() -> list:
    return [*REGISTRY.collect(), *metrics_db.families()]


def exported() -> set[str]:
    return exported_names(families())


def rules() -> list[dict]:
    document = YAML(typ="safe").load(RULES.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_alert_rules_parse_and_cover_broken_sources_a_growing_outbox_and_a_missing_tick():
    found = rules()
    names = {rule["alert"] for rule in found}
    assert {"RegwatchSourceBroken", "RegwatchOutboxGrowing", "RegwatchAlertTooOld", "RegwatchNoTick"} <= names
    for rule in found:
        assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule["alert"]
        assert rule["expr"].strip() and rule["annotations"]["summary"], rule["alert"]
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s")), rule["alert"]
        assert rule["labels"]["severity"] in ("warning", "critical"), rule["alert"]


def test_every_metric_the_rules_name_is_exported():
    named = {name for rule in rules() for name in METRIC_NAME.findall(rule["expr"])}
    assert named and named <= exported(), f"not exported: {sorted(named - exported())}"


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (.ci/run installs Debian's prometheus)")
def test_promtool_accepts_the_rules_and_they_fire_on_their_unit_tests():
    for command in (["check", "rules", str(RULES)], ["test", "rules", str(RULES_TESTS)]):
        result = subprocess.run(["promtool", *command], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_rules_unit_tests_name_every_alert():
    tests = YAML(typ="safe").load(RULES_TESTS.read_text(encoding="utf-8"))
    tested = {case["alertname"] for test in tests["tests"] for case in test["alert_rule_test"]}
    assert {rule["alert"] for rule in rules()} == tested


def panels(dashboard: dict) -> list[dict]:
    return [panel for panel in dashboard["panels"] if panel["type"] != "row"]


def test_the_dashboard_is_a_grafana_dashboard_over_exported_metrics():
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard["uid"] and dashboard["title"] and isinstance(dashboard["schemaVersion"], int)
    assert [variable["type"] for variable in dashboard["templating"]["list"]] == ["datasource"]
    ids = [panel["id"] for panel in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    named: set[str] = set()
    for panel in panels(dashboard):
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24 and grid["h"] > 0, panel["title"]
        assert panel["targets"] and panel["datasource"]["uid"] == "${datasource}", panel["title"]
        for target in panel["targets"]:
            named.update(METRIC_NAME.findall(target["expr"]))
    assert named <= exported(), f"not exported: {sorted(named - exported())}"
    families_shown = {name for name in named if not name.endswith(("_bucket", "_sum", "_count"))}
    assert len(families_shown) >= 12  # every family of the registry has a panel, or nearly


def test_the_readme_lists_every_metric_and_endpoint():
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    for family in families():
        shown = family.name + ("_total" if family.type == "counter" else "")
        assert f"`{shown}`" in readme, f"README.md does not list {shown}"
    for endpoint in ("/metrics", "/healthz", "/readyz", "regwatch health"):
        assert endpoint in readme


def test_the_exported_names_of_each_kind():
    names = exported()
    assert {"regwatch_polls_total", "regwatch_fetch_duration_seconds_bucket", "regwatch_outbox_alerts"} <= names
    assert "regwatch_polls" not in names  # a counter is only ever seen with _total

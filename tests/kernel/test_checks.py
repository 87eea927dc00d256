"""System checks kernel.E001/E002: time limits that let a worker kill a live stage or run a task twice."""

from __future__ import annotations

from kernel.checks import check_time_limits


def test_defaults_pass():
    assert check_time_limits() == []


def test_stage_limit_not_shorter_than_the_worker_timeout_is_refused(settings):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 600, "retry": 660}
    settings.STAGE_TIME_LIMIT_SECONDS = 600
    assert [error.id for error in check_time_limits()] == ["kernel.E001"]
    settings.STAGE_TIME_LIMIT_SECONDS = 900
    assert "STAGE_TIME_LIMIT_SECONDS (900)" in check_time_limits()[0].msg


def test_retry_not_longer_than_the_timeout_is_refused(settings):
    settings.STAGE_TIME_LIMIT_SECONDS = 100
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, "timeout": 600, "retry": 600}
    assert [error.id for error in check_time_limits()] == ["kernel.E002"]

"""Retry, time-limit and download rules shared by every vendor client, against a real local server."""

from __future__ import annotations

import pytest

from generation.providers.errors import ProviderError, ProviderTimeout
from generation.providers.http import Step, download, poll, request, vendor_client

from .conftest import Reply


def _step(limit: float = 3.0) -> Step:
    return Step(provider="acme", name="submit", limit=limit)


def test_429_is_retried_after_the_retry_after_delay(vendor):
    vendor.route(
        "GET", "/thing", Reply(429, json={"error": "slow down"}, headers={"Retry-After": "0.05"}), Reply(json={"ok": 1})
    )
    with vendor_client() as client:
        response = request(client, "GET", f"{vendor.url}/thing", step=_step())
    assert response.json() == {"ok": 1}
    assert len(vendor.calls("GET", "/thing")) == 2


def test_5xx_is_retried_until_attempts_run_out(vendor):
    vendor.route("GET", "/thing", Reply(503, body=b"down"))
    with vendor_client() as client, pytest.raises(ProviderError) as caught:
        request(client, "GET", f"{vendor.url}/thing", step=_step())
    assert caught.value.transient
    assert "503" in caught.value.message
    assert len(vendor.calls("GET", "/thing")) == 3  # PROVIDER_HTTP_MAX_ATTEMPTS in the test settings


def test_persistent_429_reports_rate_limiting(vendor):
    vendor.route("GET", "/thing", Reply(429, json={}, headers={"Retry-After": "0"}))
    with vendor_client() as client, pytest.raises(ProviderError, match="rate limited") as caught:
        request(client, "GET", f"{vendor.url}/thing", step=_step())
    assert caught.value.transient


def test_other_4xx_fail_at_once_with_the_vendor_message(vendor):
    vendor.route("POST", "/thing", Reply(422, json={"detail": "prompt too long"}))
    with vendor_client() as client, pytest.raises(ProviderError, match="prompt too long") as caught:
        request(client, "POST", f"{vendor.url}/thing", json={}, step=_step())
    assert not caught.value.transient
    assert len(vendor.calls("POST", "/thing")) == 1


def test_a_slow_vendor_times_out_after_retries(vendor):
    vendor.route("GET", "/slow", Reply(json={}, delay=1.5))
    with vendor_client() as client, pytest.raises(ProviderTimeout):
        request(client, "GET", f"{vendor.url}/slow", step=_step(limit=1.2))


def test_a_timeout_then_success_recovers(vendor):
    vendor.route("GET", "/flaky", Reply(json={}, delay=1.5), Reply(json={"ok": True}))
    with vendor_client() as client:
        assert request(client, "GET", f"{vendor.url}/flaky", step=_step()).json() == {"ok": True}


def test_poll_gives_up_at_the_step_limit():
    calls = []
    with pytest.raises(ProviderTimeout, match="did not finish within 0.2 s"):
        poll(lambda: calls.append(1), step=Step(provider="acme", name="job", limit=0.2), interval=0.02)
    assert len(calls) > 2


def test_download_streams_to_disk_and_enforces_the_size_cap(vendor, tmp_path):
    vendor.route("GET", "/file.bin", Reply(body=b"x" * 5000), Reply(body=b"x" * 5000))
    path = download(f"{vendor.url}/file.bin", tmp_path / "f.bin", step=_step(), max_bytes=10_000)
    assert path.read_bytes() == b"x" * 5000
    with pytest.raises(ProviderError, match="larger than"):
        download(f"{vendor.url}/file.bin", tmp_path / "g.bin", step=_step(), max_bytes=1000)


def test_download_does_not_send_vendor_credentials(vendor, tmp_path):
    vendor.route("GET", "/cdn.bin", Reply(body=b"abc"))
    download(f"{vendor.url}/cdn.bin", tmp_path / "c.bin", step=_step(), max_bytes=100)
    assert "authorization" not in vendor.calls("GET", "/cdn.bin")[0].headers


def test_download_of_a_missing_file_is_not_retried(vendor, tmp_path):
    with pytest.raises(ProviderError, match="404"):
        download(f"{vendor.url}/gone.bin", tmp_path / "x.bin", step=_step(), max_bytes=100)
    assert len(vendor.calls("GET", "/gone.bin")) == 1


def test_retry_after_beyond_the_step_limit_reports_the_rate_limit_at_once(vendor):
    vendor.route("GET", "/thing", Reply(429, json={"error": "quota"}, headers={"Retry-After": "120"}))
    with vendor_client() as client, pytest.raises(ProviderError, match="rate limited") as caught:
        request(client, "GET", f"{vendor.url}/thing", step=_step(limit=2.0))
    assert caught.value.transient and caught.value.extra["status"] == 429
    assert len(vendor.calls("GET", "/thing")) == 1


def test_retry_after_as_an_http_date_is_understood(vendor):
    vendor.route(
        "GET",
        "/thing",
        Reply(429, json={}, headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}),
        Reply(json={"ok": 1}),
    )
    with vendor_client() as client:
        assert request(client, "GET", f"{vendor.url}/thing", step=_step()).json() == {"ok": 1}

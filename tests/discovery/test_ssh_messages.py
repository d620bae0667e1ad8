"""SSH per-device failures are messages: English in records and JSON, the user's language on
screen, and no secret in either (the scrubber keeps the template translatable)."""

from __future__ import annotations

import socket

from netcmdb.discovery.credentials import Secret, SshCredentials
from netcmdb.discovery.ssh import SshSettings, _scrub, classify_error
from netcmdb.errors import N_, Msg
from netcmdb.i18n import localize

PASSWORD = "s3cr3t-pw"


def _settings() -> SshSettings:
    creds = SshCredentials("admin", Secret(PASSWORD), None, origin="test")
    return SshSettings(credentials=creds, platform="cisco_ios")


def test_failures_are_translatable_and_english_by_default() -> None:
    s = _settings()
    kind, msg = classify_error(
        ConnectionRefusedError(), host="10.0.0.9", port=22, settings=s, step=N_("login")
    )
    assert kind == "unreachable" and isinstance(msg, Msg)
    assert msg == "10.0.0.9:22: connection refused (no SSH service on this port?)"
    assert localize(msg, "zh_CN") == "10.0.0.9:22：连接被拒绝（该端口上没有 SSH 服务？）"
    kind, msg = classify_error(
        TimeoutError(), host="10.0.0.9", port=22, settings=s, step=N_("login")
    )
    assert kind == "timeout"
    assert msg == "10.0.0.9:22: no SSH answer within 10s during login"
    assert localize(msg, "zh_CN") == "10.0.0.9:22：登录时 10 秒内无 SSH 应答"
    kind, msg = classify_error(
        socket.gaierror(-2, "Name or service not known"),
        host="sw-x",
        port=22,
        settings=s,
        step=N_("host key check"),
    )
    assert kind == "unreachable" and "无法解析" in localize(msg, "zh_CN")


def test_scrub_keeps_the_message_translatable_and_removes_the_secret() -> None:
    s = _settings()
    kind, msg = classify_error(
        EOFError(f"banner said {PASSWORD}"), host="10.0.0.9", port=22, settings=s, step="'show x'"
    )
    clean = _scrub(msg, s)
    assert isinstance(clean, Msg)
    assert PASSWORD not in clean and "***" in clean
    zh = localize(clean, "zh_CN")
    assert PASSWORD not in zh and "SSH 会话失败" in zh
    # a plain string is still scrubbed
    assert _scrub(f"x {PASSWORD} y", s) == "x *** y"

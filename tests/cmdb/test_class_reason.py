"""`ci show` says why a device got its class: the reason identification put on the SNMP fact is
stored for the CI whose class that fact set, replaced by a later discovered reason, and never
shown for a class a person set by hand."""

from __future__ import annotations

from netcmdb.cmdb.db import session_scope
from netcmdb.cmdb.query import ci_detail, find_ci, set_manual
from netcmdb.cmdb.reconcile import ingest
from netcmdb.discovery.facts import DeviceClass, DeviceFact, Source


def _fact(cls: DeviceClass, reason: str | None) -> DeviceFact:
    return DeviceFact(
        source=Source.SNMP,
        ip="10.9.0.1",
        hostname="fw-1",
        device_class=cls,
        class_reason=reason,
        sys_object_id="1.3.6.1.4.1.9833.1.1.1",
    )


def test_reason_stored_replaced_and_not_for_a_manual_class(engine) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as s:
        ingest(
            s,
            [_fact(DeviceClass.FIREWALL, "Legend Holdings firewall (sysDescr: FIREWALL)")],
            source="snmp",
            targets=["10.9.0.1"],
            methods=["snmp"],
        )
    with session_scope(engine) as s:
        d = ci_detail(s, find_ci(s, "fw-1"))
        assert (d["class"], d["class_reason"]) == (
            "firewall",
            "Legend Holdings firewall (sysDescr: FIREWALL)",
        )
    with session_scope(engine) as s:
        ingest(
            s,
            [_fact(DeviceClass.ROUTER, "ipForwarding = forwarding")],
            source="snmp",
            targets=["10.9.0.1"],
            methods=["snmp"],
        )
    with session_scope(engine) as s:
        d = ci_detail(s, find_ci(s, "fw-1"))
        assert (d["class"], d["class_reason"]) == ("router", "ipForwarding = forwarding")
        set_manual(s, find_ci(s, "fw-1"), {"class": "firewall"})
    with session_scope(engine) as s:
        ingest(
            s,
            [_fact(DeviceClass.SWITCH, "28 bridge ports")],
            source="snmp",
            targets=["10.9.0.1"],
            methods=["snmp"],
        )
    with session_scope(engine) as s:
        d = ci_detail(s, find_ci(s, "fw-1"))
        assert d["class"] == "firewall"
        assert d["class_reason"] is None  # a hand-set class is not explained by discovery


def test_walk_warnings_are_kept_in_the_run_without_failing_it(engine) -> None:  # type: ignore[no-untyped-def]
    """Issue 18: a table read past non-increasing OIDs is a warning on the device result *and*
    in the run (``runs show``), not a failure."""
    from netcmdb.cmdb.query import run_detail

    f = _fact(DeviceClass.SWITCH, "20 bridge ports")
    f.warnings = [
        "10.9.0.1: walk of 1.3.6.1.2.1.17.7.1.2.2.1.2: the agent returned 348 OID(s) "
        "that do not increase; walked on past them (as net-snmp -Cc), 721 rows kept",
        "LLDP: something unrelated",
    ]
    with session_scope(engine) as s:
        summary = ingest(s, [f], source="snmp", targets=["10.9.0.1"], methods=["snmp"])
    assert summary.failed == []
    with session_scope(engine) as s:
        d = run_detail(s, summary.run_id)
    assert d["status"] == "ok" and d["failed"] == 0
    assert [(e["target"], e["kind"]) for e in d["errors"]] == [("10.9.0.1", "warning")]
    assert "721 rows kept" in d["errors"][0]["error"]

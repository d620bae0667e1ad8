"""The label rule: formatter and parser are inverses (hypothesis), validation messages say what is
wrong (table-driven), basements / wide rooms / big rooms, config patterns, sysLocation parsing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netcmdb.errors import LabelError
from netcmdb.labeling.rule import (
    DEFAULT_RULE,
    WIDE_RULE,
    Label,
    RoomRef,
    Rule,
    get_rule,
    parse_location,
    sort_key,
)

PREFIX = st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=4)


def labels(rule: Rule) -> st.SearchStrategy[Label]:
    f = rule.fields

    def digits(name: str) -> st.SearchStrategy[str]:
        return st.integers(0, 10 ** f[name].width - 1).map(lambda n: str(n).zfill(f[name].width))

    floors = st.one_of(
        digits("floor"),
        st.integers(1, 10 ** (f["floor"].width - 1) - 1).map(
            lambda n: "B" + str(n).zfill(f["floor"].width - 1)
        ),
    )
    prefixes = st.one_of(st.just((None, None)), st.tuples(PREFIX, PREFIX))
    return st.builds(
        lambda b, fl, r, s, p: Label(b, fl, r, s, p[0], p[1]),
        digits("building"),
        floors,
        digits("room"),
        st.integers(1, rule.max_seat),
        prefixes,
    )


@given(labels(DEFAULT_RULE))
def test_parse_inverts_format_default(label: Label) -> None:
    text = DEFAULT_RULE.format(label)
    assert DEFAULT_RULE.parse(text) == label
    assert DEFAULT_RULE.format(DEFAULT_RULE.parse(text)) == text


@given(labels(WIDE_RULE))
def test_parse_inverts_format_wide(label: Label) -> None:
    text = WIDE_RULE.format(label)
    assert WIDE_RULE.parse(text) == label
    assert len(text.split("-")[-1]) == 4


@given(st.text(max_size=20))
def test_parse_never_crashes_and_accepts_only_canonical(text: str) -> None:
    try:
        lab = DEFAULT_RULE.parse(text)
    except LabelError as exc:
        assert str(exc)  # a message, not a traceback
        return
    assert DEFAULT_RULE.format(lab) == text.strip().upper()


@given(labels(DEFAULT_RULE))
def test_parse_location_finds_the_room_of_any_label(label: Label) -> None:
    text = DEFAULT_RULE.format(label)
    assert parse_location(f"Campus {text} (rack 3)") == label.room_key


def test_house_rule_example() -> None:
    lab = DEFAULT_RULE.parse("D010210-009")
    assert (lab.building, lab.floor, lab.room, lab.seat) == ("01", "02", "10", 9)
    full = DEFAULT_RULE.parse("HQ-SW-D010210-001")
    assert (full.unit, full.category, full.seat) == ("HQ", "SW", 1)
    assert DEFAULT_RULE.shape == "DBBFFRR-SSS"


BAD = [
    # (text, words the message must contain)
    ("D010210-00", ["wrong length", "10 characters", "11"]),
    ("D010210-0009", ["wrong length", "12 characters"]),
    ("D01021O-009", ["letters where digits belong", "room", "'1O'", "positions 6-7"]),
    ("DA10210-009", ["letters where digits belong", "building"]),
    ("D010210-00X", ["letters where digits belong", "seat"]),
    ("D010210-000", ["seat 000", "start at 1"]),
    ("X010210-001", ["expected 'D'", "position 1", "'X'"]),
    ("D010210_001", ["expected '-'", "position 8"]),
    ("D01C110-001", ["letters where digits belong", "floor", "basements are B1"]),
    ("D01B010-001", ["basement is B1"]),
    ("SW-D010210-001", ["prefix", "UNIT-CATEGORY-"]),
    ("A-B-C-D010210-001", ["3 prefix part(s)"]),
    ("HQ-S W-D010210-001", ["category", "not allowed"]),
    ("TOOLONGUNIT-SW-D010210-001", ["unit", "1-8 characters"]),
    ("D010210-009\x00", ["only ASCII"]),
    ("D０１0210-009", ["only ASCII"]),
    ("", ["empty label"]),
]


@pytest.mark.parametrize(("text", "words"), BAD, ids=[repr(b[0]) for b in BAD])
def test_validation_messages(text: str, words: list[str]) -> None:
    with pytest.raises(LabelError) as err:
        DEFAULT_RULE.parse(text)
    msg = str(err.value)
    for w in words:
        assert w in msg, msg
    assert "\n" not in msg


def test_unknown_building_when_a_building_list_is_configured() -> None:
    rule = get_rule({"buildings": ["1", "02"]})
    assert rule.parse("D010210-001").building == "01"
    with pytest.raises(LabelError, match=r"unknown building 03 \(configured buildings: 01, 02\)"):
        rule.parse("D030210-001")
    # without a list, any building is fine
    assert DEFAULT_RULE.parse("D030210-001").building == "03"


def test_basements_and_canonical_padding() -> None:
    assert DEFAULT_RULE.format(Label("1", "b1", "3", 12)) == "D01B103-012"
    assert DEFAULT_RULE.parse("d01b103-012").floor == "B1"
    no_basements = get_rule({"basement_prefix": ""})
    with pytest.raises(LabelError, match="letters where digits belong: floor"):
        no_basements.parse("D01B103-012")


@pytest.mark.parametrize(
    ("label", "words"),
    [
        (Label("01", "02", "123", 1), ["room '123'", "2-character room field", "wide"]),
        (Label("01", "02", "10", 1000), ["seat 1000", "3-digit seat field", "wider rule"]),
        (Label("01", "02", "10", 0), ["seat 000", "start at 1"]),
        (Label("01", "B0", "10", 1), ["basement is B1"]),
        (Label("01", "02", "10", 1, "HQ", None), ["unit and category together"]),
    ],
)
def test_format_refuses_what_does_not_fit(label: Label, words: list[str]) -> None:
    with pytest.raises(LabelError) as err:
        DEFAULT_RULE.format(label)
    for w in words:
        assert w in str(err.value)


def test_wide_rule_takes_big_rooms_and_seats() -> None:
    text = WIDE_RULE.format(Label("01", "02", "123", 1234))
    assert text == "D0102123-1234"
    assert WIDE_RULE.parse(text).seat == 1234


def test_rule_from_config_pattern_with_widths() -> None:
    rule = get_rule({"rule": "D{building:2}{floor:2}{room:3}-{seat:4}", "buildings": ["01"]})
    assert rule.format(Label("1", "2", "3", 4)) == "D0102003-0004"
    assert rule.parse("D0102003-0004").room == "003"
    with pytest.raises(LabelError, match="must contain {seat} exactly once"):
        get_rule({"rule": "D{building:2}{floor:2}{room:2}"})
    with pytest.raises(LabelError, match="unknown key 'colour'"):
        get_rule({"colour": "red"})
    with pytest.raises(LabelError, match="unknown label rule preset"):
        get_rule("narrow")


def test_rule_round_trips_through_its_mapping() -> None:
    rule = get_rule({"preset": "wide", "buildings": ["01", "07"], "unit": "HQ", "category": "PC"})
    again = Rule.from_mapping({k: v for k, v in rule.to_mapping().items()}, base=DEFAULT_RULE)
    assert again == rule


def test_room_codes() -> None:
    assert DEFAULT_RULE.parse_room("D010210") == ("01", "02", "10")
    assert DEFAULT_RULE.parse_room("010210") == RoomRef("01", "02", "10")
    assert DEFAULT_RULE.format_room("1", "2", "10") == "D010210"
    with pytest.raises(LabelError, match="a room code looks like DBBFFRR"):
        DEFAULT_RULE.parse_room("D0102")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("D010210", ("01", "02", "10")),
        ("HQ D010210 机房", ("01", "02", "10")),
        ("Building A, D01B203-017", ("01", "B2", "03")),
        ("d070101", ("07", "01", "01")),
        ("XD010210", None),  # glued to other text
        ("D0102100", None),  # longer digit run is not a room code
        ("Server room, 2nd floor", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_location(text: str | None, expected: tuple[str, str, str] | None) -> None:
    got = parse_location(text)
    assert got == expected
    if got is not None:  # the reconciler reads attributes
        assert (got.building, got.floor, got.room) == expected


def test_sort_key_puts_deepest_basement_first() -> None:
    labs = [
        DEFAULT_RULE.parse(t) for t in ("D010110-002", "D01B110-001", "D01B210-001", "D010110-001")
    ]
    assert [DEFAULT_RULE.format(x) for x in sorted(labs, key=sort_key)] == [
        "D01B210-001",
        "D01B110-001",
        "D010110-001",
        "D010110-002",
    ]

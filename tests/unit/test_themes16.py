"""The 16-colour forms of the themes (`themes.sixteen_colour_theme`) and the `[ansi16]` table."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.color import ANSI_COLOR_NAMES, ColorSystem
from rich.color import Color as RichColor

from kafkatui.ui.palette import BASE, variable_name
from kafkatui.ui.themes import DARK16, LIGHT16, RICH_16, ThemeError, load_themes, parse_theme

SHIPPED_TRUECOLOR = ("kafkatui-dark", "kafkatui-light", "kafkatui-high-contrast")


@pytest.mark.parametrize("name", sorted(RICH_16))
def test_each_16_colour_value_is_written_as_that_colour_number(name: str) -> None:
    """What the 16-colour forms rely on: Rich writes each RICH_16 value as exactly its own colour."""
    number = ANSI_COLOR_NAMES[name.removeprefix("ansi_")]  # "bright_red" -> 9
    assert RichColor.parse(RICH_16[name]).downgrade(ColorSystem.STANDARD).number == number


def test_the_tables_use_only_the_16_names() -> None:
    assert set(DARK16) == set(LIGHT16)
    assert set(DARK16.values()) | set(LIGHT16.values()) <= set(RICH_16)


def test_every_shipped_theme_has_a_16_colour_form_in_16_colours(tmp_path: Path) -> None:
    truecolor = load_themes(user_dir=tmp_path).themes
    sixteen = load_themes(user_dir=tmp_path, sixteen=True).themes
    assert set(sixteen) == set(truecolor)
    allowed = set(RICH_16.values())
    for name in SHIPPED_TRUECOLOR:
        theme = sixteen[name]
        assert (theme.name, theme.dark) == (truecolor[name].name, truecolor[name].dark)
        assert {theme.primary, theme.background, theme.foreground, theme.accent} <= allowed
        for semantic in BASE:
            value = theme.variables.get(variable_name(semantic))
            assert value is None or value in allowed, (name, semantic, value)
    assert sixteen["kafkatui-ansi"] == truecolor["kafkatui-ansi"]  # already the terminal's colours
    assert sixteen["kafkatui-dark"].background == RICH_16["ansi_black"]
    assert sixteen["kafkatui-light"].background == RICH_16["ansi_bright_white"]


def test_ansi16_table_overrides_single_colours() -> None:
    text = ('name = "x"\n[colors]\nprimary = "#123456"\n[ansi16]\nmuted = "ansi_white"\nprimary = "ansi_blue"\n')
    theme = parse_theme(Path("/x/t.toml"), text, sixteen=True)
    assert theme.variables["kt-muted"] == RICH_16["ansi_white"]
    assert theme.primary == RICH_16["ansi_blue"]
    assert theme.variables["kt-ok"] == RICH_16[DARK16["ok"]]  # the rest from the dark table
    assert parse_theme(Path("/x/t.toml"), text).primary == "#123456"  # truecolor form untouched


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('[ansi16]\nmuted = "#777777"\n', "ansi16.muted = '#777777' is not one of the 16"),
        ('[ansi16]\nmuted = "ansi_default"\n', "ansi16.muted = 'ansi_default' is not one of the 16"),
        ('[ansi16]\nmutted = "ansi_white"\n', "unknown key ansi16.mutted"),
        ('[ansi16]\npanel = "ansi_blue"\n', "unknown key ansi16.panel"),
        ('ansi16 = 3\n', "[ansi16] must be a table"),
    ],
)
def test_bad_ansi16_names_file_and_key(table: str, expected: str) -> None:
    text = 'name = "x"\n' + (table if table.startswith("ansi16") else "") + '[colors]\nprimary = "#123456"\n'
    if not table.startswith("ansi16"):
        text += table
    with pytest.raises(ThemeError) as err:
        parse_theme(Path("/x/bad.toml"), text)
    assert "/x/bad.toml" in str(err.value) and expected in str(err.value)

"""Theme files: every shipped one loads completely; broken or unknown ones give a clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.color import Color

from kafkatui.ui.palette import ALIASES, BASE, variable_name
from kafkatui.ui.themes import (
    DEFAULT_THEME,
    ThemeError,
    bundled_theme_files,
    is_theme_path,
    load_themes,
    parse_theme,
    resolve_theme_name,
)

SHIPPED = {"kafkatui-dark", "kafkatui-light", "kafkatui-high-contrast", "kafkatui-ansi"}


def test_every_shipped_theme_loads_with_every_semantic_colour(tmp_path: Path) -> None:
    themes = load_themes(user_dir=tmp_path)
    assert themes.errors == ()
    assert SHIPPED <= set(themes.themes)
    for name in SHIPPED:
        theme = themes.themes[name]
        for semantic in BASE:
            if semantic in ("accent", "info", "text"):
                continue  # these deliberately follow the base colours
            # a name with an alias (palette.ALIASES) may take its alias's colour instead
            value = theme.variables.get(variable_name(semantic)) or theme.variables[
                variable_name(ALIASES.get(semantic, semantic))]
            Color.parse(value)


def test_ansi_theme_uses_only_terminal_colours(tmp_path: Path) -> None:
    theme = load_themes(user_dir=tmp_path).themes["kafkatui-ansi"]
    assert theme.ansi is True
    colours = [theme.primary, theme.background, theme.foreground, *theme.variables.values()]
    assert all(c.startswith("ansi_") for c in colours if c)
    assert theme.background == "ansi_default"  # transparent terminals keep their own background


def test_bundled_files_are_the_repository_themes_folder() -> None:
    repo_themes = Path(__file__).resolve().parents[2] / "themes"
    assert {p.name for p in bundled_theme_files()} == {p.name for p in repo_themes.glob("*.toml")}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('name = "x"\n[colors]\nprimary = \n', "line 3"),
        ('name = "x"\ncolour = 1\n[colors]\nprimary = "#fff"\n', "unknown key 'colour'"),
        ('name = "x"\n[colors]\nprimary = "#fff"\nprimery = "#000"\n', "unknown key colors.primery"),
        ('name = "x"\n[colors]\nprimary = "not-a-colour"\n', "colors.primary = 'not-a-colour' is not a colour"),
        ('name = "x"\n[colors]\nprimary = "#fff"\n[semantic]\nlag-stal = "#fff"\n', "semantic.lag-stal"),
        ('[colors]\nprimary = "#fff"\n', "missing 'name'"),
    ],
)
def test_broken_theme_names_file_and_problem(text: str, expected: str) -> None:
    path = Path("/x/broken.toml")
    with pytest.raises(ThemeError) as err:
        parse_theme(path, text)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_broken_user_theme_is_reported_and_the_rest_still_load(tmp_path: Path) -> None:
    (tmp_path / "bad.toml").write_text("name = \n")
    (tmp_path / "mine.toml").write_text('name = "mine"\n[colors]\nprimary = "#123456"\n[semantic]\nok = "#00ff00"\n')
    themes = load_themes(user_dir=tmp_path)
    assert len(themes.errors) == 1
    assert str(tmp_path / "bad.toml") in themes.errors[0]
    assert themes.themes["mine"].variables["kt-ok"] == "#00ff00"
    assert SHIPPED <= set(themes.themes)


def test_user_theme_overrides_bundled_one_by_name(tmp_path: Path) -> None:
    (tmp_path / "dark.toml").write_text('name = "kafkatui-dark"\n[colors]\nprimary = "#abcdef"\n')
    themes = load_themes(user_dir=tmp_path)
    assert themes.themes["kafkatui-dark"].primary == "#abcdef"
    assert themes.origins["kafkatui-dark"] == tmp_path / "dark.toml"


def test_unknown_name_lists_available(tmp_path: Path) -> None:
    themes = load_themes(user_dir=tmp_path)
    name, message = resolve_theme_name("solarized", themes)
    assert name == DEFAULT_THEME
    assert message is not None
    assert "unknown theme 'solarized'" in message
    assert all(n in message for n in SHIPPED)
    assert resolve_theme_name("kafkatui-light", themes) == ("kafkatui-light", None)


def test_broken_theme_asked_for_by_name_says_it_is_broken_not_unknown(tmp_path: Path) -> None:
    (tmp_path / "mine.toml").write_text('name = "mine"\n[colors]\nprimary = "#123456"\nsecondary = 7\n')
    themes = load_themes(user_dir=tmp_path)
    assert themes.failed[tmp_path / "mine.toml"] == themes.errors[0]
    assert "colors.secondary must be a colour string" in themes.errors[0]
    name, message = resolve_theme_name("mine", themes)
    assert name == DEFAULT_THEME and message is not None
    assert "'mine' is broken" in message and str(tmp_path / "mine.toml") in message


def test_theme_given_as_a_file_path(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.toml", tmp_path / "bad.toml"
    good.write_text('name = "from-file"\n[colors]\nprimary = "#123456"\n')
    bad.write_text('name = "x"\n[colors\n')
    assert is_theme_path(str(good)) and is_theme_path("./x.toml") and not is_theme_path("kafkatui-dark")
    themes = load_themes(user_dir=tmp_path / "none", extra=(good, bad))
    assert resolve_theme_name(str(good), themes) == ("from-file", None)
    name, message = resolve_theme_name(str(bad), themes)
    assert name == DEFAULT_THEME and message is not None and str(bad) in message
    assert any(str(bad) in e and "line 2" in e for e in themes.errors)
    missing = tmp_path / "missing.toml"
    themes = load_themes(user_dir=tmp_path / "none", extra=(missing,))
    assert "cannot read" in themes.failed[missing]

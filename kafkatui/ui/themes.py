"""Colour themes as TOML files, turned into Textual `Theme`s plus kafkatui's semantic colours.

Themes ship in the package (`kafkatui/themes/*.toml`, the repository's `themes/` folder) and
users add their own in `$XDG_CONFIG_HOME/kafkatui/themes/NAME.toml`; a user file with the same
name wins. A broken file never stops the app: `load_themes` returns the good themes plus one
error line per bad file, naming the file and the bad key or line, and the app shows those lines
and keeps the default theme.

Schema (all keys but `name` and `colors.primary` optional):

    name = "my-theme"            # what --theme / KAFKATUI_THEME / the palette use
    dark = true
    ansi = false                 # true: use the terminal's own 16 colours (ansi_* names)
    [colors]                     # Textual's base colours
    primary = "#2e86de"          # secondary warning error success accent foreground
                                 # background surface panel boost
    [semantic]                   # kafkatui meanings (see palette.BASE); default: a base colour
    ok = "#4ebf71"               # warning critical stale readonly paused accent info muted text
    lag-stall = "#ff5f5f"        # lag-ok lag-warn lag-stall lag-stop lag-rewind lag-err lag-unknown
                                 # lag-pending (default: the lag-unknown colour)
    [variables]                  # raw Textual CSS variables, e.g. "footer-key-foreground"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from textual.color import Color, ColorParseError
from textual.theme import Theme

from kafkatui.config import config_dir
from kafkatui.ui.palette import BASE, variable_name

DEFAULT_THEME = "kafkatui-dark"
COLOR_KEYS = (
    "primary",
    "secondary",
    "warning",
    "error",
    "success",
    "accent",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
TOP_KEYS = {"name", "dark", "ansi", "colors", "semantic", "variables", "description"}
SEMANTIC_KEYS = {name.lower(): name for name in BASE}


class ThemeError(Exception):
    """One line naming the theme file and what is wrong with it."""


@dataclass(frozen=True)
class ThemeSet:
    themes: dict[str, Theme]
    errors: tuple[str, ...]
    origins: dict[str, Path]
    failed: dict[Path, str] = field(default_factory=dict)  # theme file -> its error line

    def names(self) -> list[str]:
        return sorted(self.themes)


def _colour(path: Path, key: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ThemeError(f"theme {path}: {key} must be a colour string, got {value!r}")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeError(f"theme {path}: {key} = {value!r} is not a colour") from None
    return value


def parse_theme(path: Path, text: str) -> Theme:
    """Build a Theme from TOML text; every problem raises ThemeError naming file and key/line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"theme {path}: {exc}") from None
    unknown = sorted(set(data) - TOP_KEYS)
    if unknown:
        raise ThemeError(f"theme {path}: unknown key {unknown[0]!r}")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ThemeError(f"theme {path}: missing 'name'")
    colors = data.get("colors", {})
    if not isinstance(colors, dict) or "primary" not in colors:
        raise ThemeError(f"theme {path}: [colors] needs at least 'primary'")
    bad = sorted(set(colors) - set(COLOR_KEYS))
    if bad:
        raise ThemeError(f"theme {path}: unknown key colors.{bad[0]}")
    base = {key: _colour(path, f"colors.{key}", value) for key, value in colors.items()}
    variables: dict[str, str] = {}
    semantic = data.get("semantic", {})
    if not isinstance(semantic, dict):
        raise ThemeError(f"theme {path}: [semantic] must be a table")
    for key, value in semantic.items():
        if key.lower() not in SEMANTIC_KEYS:
            raise ThemeError(f"theme {path}: unknown key semantic.{key}")
        variables[variable_name(SEMANTIC_KEYS[key.lower()])] = _colour(path, f"semantic.{key}", value)
    extra = data.get("variables", {})
    if not isinstance(extra, dict) or not all(isinstance(v, str) for v in extra.values()):
        raise ThemeError(f"theme {path}: [variables] must map names to strings")
    variables.update(extra)
    for flag in ("dark", "ansi"):
        if flag in data and not isinstance(data[flag], bool):
            raise ThemeError(f"theme {path}: {flag} must be true or false")
    return Theme(
        name=name.strip(),
        dark=data.get("dark", True),
        ansi=data.get("ansi", False),
        variables=variables,
        **base,
    )


def bundled_theme_files() -> list[Path]:
    folder = resources.files("kafkatui") / "themes"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml"))


def user_theme_dir() -> Path:
    return config_dir() / "themes"


def is_theme_path(requested: str) -> bool:
    """`--theme ./mine.toml` names a file rather than a theme."""
    return requested.endswith(".toml") or "/" in requested


def load_themes(user_dir: Path | None = None, extra: tuple[Path, ...] = ()) -> ThemeSet:
    """Every bundled theme, then the user's (same name overrides), then `extra` files (a `--theme
    PATH`), plus one error line per bad file."""
    themes: dict[str, Theme] = {}
    origins: dict[str, Path] = {}
    errors: list[str] = []
    failed: dict[Path, str] = {}
    user_dir = user_theme_dir() if user_dir is None else user_dir
    user_files = sorted(user_dir.glob("*.toml")) if user_dir.is_dir() else []
    for path in [*bundled_theme_files(), *user_files, *extra]:
        try:
            theme = parse_theme(path, path.read_text(encoding="utf-8"))
        except ThemeError as exc:
            errors.append(str(exc))
            failed[path] = str(exc)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            message = f"theme {path}: cannot read: {exc}"
            errors.append(message)
            failed[path] = message
            continue
        themes[theme.name] = theme
        origins[theme.name] = path
    return ThemeSet(themes=themes, errors=tuple(errors), origins=origins, failed=failed)


def resolve_theme_name(requested: str, available: ThemeSet) -> tuple[str, str | None]:
    """The theme to use and, when `requested` cannot be used, one line saying why.

    `requested` is a theme name or a theme file's path. A file that failed to load is named with
    its error (its problem is already in `available.errors`, so the line only says what is used
    instead); an unknown name lists the available ones.
    """
    if requested in available.themes:
        return requested, None
    if is_theme_path(requested):
        wanted = Path(requested).expanduser()
        for name, origin in available.origins.items():
            if origin == wanted:
                return name, None
        if wanted in available.failed:
            return DEFAULT_THEME, f"theme file {wanted} is broken (see above); using {DEFAULT_THEME}"
        return DEFAULT_THEME, f"theme file {wanted} was not loaded; using {DEFAULT_THEME}"
    broken = [path for path in available.failed if path.stem == requested]
    if broken:
        return DEFAULT_THEME, f"theme {requested!r} is broken ({broken[0]}, see above); using {DEFAULT_THEME}"
    names = ", ".join(available.names())
    return DEFAULT_THEME, f"unknown theme {requested!r}; available: {names}"

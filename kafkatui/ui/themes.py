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
    [ansi16]                     # optional: what a 16-colour terminal shows (ansi_* names only)
    muted = "ansi_white"         # a key of DARK16 or [semantic]; the rest from DARK16 / LIGHT16

16-colour terminals (TERM=xterm, TERM=screen, `--color 16`): Rich would map each truecolor to the
nearest of 16 colours, and the terminal paints those with its own palette, so a theme's careful
pairs collapse (amber keys on a slate panel became bright red on grey: contrast 1.0). There a theme
that is not already `ansi` is replaced by its 16-colour form (`sixteen_colour_theme`): the same name,
16 colours only, a background it paints itself (black, or bright white for a light theme), and
every foreground chosen to reach WCAG AA (4.5:1) on it under the standard xterm palette. The tables
below are the defaults; a theme's `[ansi16]` table overrides single entries.

Why truecolor values and not Textual's `ansi` mode for that form: Textual's ANSI mode leaves the
screen, inputs and trees to the terminal's default colours (`ansi_default`), which the app cannot
know, so a painted black background could meet the terminal's default black text. Instead each
colour is the exact RGB of one of Rich's 16 standard colours (RICH_16), which Rich writes as that
very colour number (a distance-0 match), on the painted background.
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
TOP_KEYS = {"name", "dark", "ansi", "colors", "semantic", "variables", "description", "ansi16"}
SEMANTIC_KEYS = {name.lower(): name for name in BASE}
SIXTEEN_COLOUR_SYSTEMS = ("standard", "windows")  # Rich's names for 16-colour consoles

# Rich's 16-colour palette (rich._palettes.STANDARD_PALETTE, the VGA colours): a truecolor with one
# of these exact values is written on a 16-colour terminal as that colour's number.
RICH_16: dict[str, str] = {
    "ansi_black": "#000000",
    "ansi_red": "#aa0000",
    "ansi_green": "#00aa00",
    "ansi_yellow": "#aa5500",
    "ansi_blue": "#0000aa",
    "ansi_magenta": "#aa00aa",
    "ansi_cyan": "#00aaaa",
    "ansi_white": "#aaaaaa",
    "ansi_bright_black": "#555555",
    "ansi_bright_red": "#ff5555",
    "ansi_bright_green": "#55ff55",
    "ansi_bright_yellow": "#ffff55",
    "ansi_bright_blue": "#5555ff",
    "ansi_bright_magenta": "#ff55ff",
    "ansi_bright_cyan": "#55ffff",
    "ansi_bright_white": "#ffffff",
}

# 16-colour forms. Contrast on the painted background under the xterm palette, in brackets.
DARK16: dict[str, str] = {
    "background": "ansi_black",
    "foreground": "ansi_white",  # (16.7)
    "primary": "ansi_cyan",  # (10.6) also the cursor row: black on cyan
    "secondary": "ansi_cyan",
    "accent": "ansi_bright_cyan",  # (16.7) footer keys, the cluster name, the controller's star
    "warning": "ansi_yellow",  # (12.3)
    "error": "ansi_bright_red",  # (5.3)
    "success": "ansi_green",  # (9.7)
    "ok": "ansi_green",
    "critical": "ansi_bright_red",
    "stale": "ansi_yellow",
    "readonly": "ansi_cyan",
    "paused": "ansi_yellow",
    "muted": "ansi_bright_black",  # (5.2)
    "lag-ok": "ansi_green",
    "lag-warn": "ansi_yellow",
    "lag-stall": "ansi_bright_yellow",  # (19.6)
    "lag-stop": "ansi_bright_red",
    "lag-rewind": "ansi_bright_magenta",  # (6.7)
    "lag-err": "ansi_bright_red",
    "lag-unknown": "ansi_bright_black",
    "on-accent": "ansi_black",  # text on a coloured bar (cursor row, reversed badges)
}
LIGHT16: dict[str, str] = {
    "background": "ansi_bright_white",
    "foreground": "ansi_black",  # (21)
    "primary": "ansi_blue",  # (9.4) also the cursor row: bright white on blue
    "secondary": "ansi_blue",
    "accent": "ansi_bright_blue",  # (4.7)
    "warning": "ansi_magenta",  # (4.7) xterm's yellow and green are unreadable on white
    "error": "ansi_red",  # (5.8)
    "success": "ansi_blue",
    "ok": "ansi_blue",
    "critical": "ansi_red",
    "stale": "ansi_magenta",
    "readonly": "ansi_blue",
    "paused": "ansi_magenta",
    "muted": "ansi_black",  # no xterm grey reaches 4.5 on white (colour 8: 4.0)
    "lag-ok": "ansi_blue",
    "lag-warn": "ansi_magenta",
    "lag-stall": "ansi_red",
    "lag-stop": "ansi_red",
    "lag-rewind": "ansi_bright_blue",
    "lag-err": "ansi_red",
    "lag-unknown": "ansi_black",
    "on-accent": "ansi_bright_white",
}


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


def parse_theme(path: Path, text: str, *, sixteen: bool = False) -> Theme:
    """Build a Theme from TOML text; every problem raises ThemeError naming file and key/line.

    `sixteen`: the theme's 16-colour form (see `sixteen_colour_theme`), for a 16-colour terminal.
    """
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
    overrides = _ansi16(path, data.get("ansi16", {}))
    theme = Theme(
        name=name.strip(),
        dark=data.get("dark", True),
        ansi=data.get("ansi", False),
        variables=variables,
        **base,
    )
    return sixteen_colour_theme(theme, overrides) if sixteen else theme


def _ansi16(path: Path, table: Any) -> dict[str, str]:
    """The `[ansi16]` overrides: DARK16's keys or [semantic] ones, each one of the 16 ansi_* names."""
    if not isinstance(table, dict):
        raise ThemeError(f"theme {path}: [ansi16] must be a table")
    overrides = {}
    for key, value in table.items():
        if key.lower() not in DARK16 and key.lower() not in SEMANTIC_KEYS:
            raise ThemeError(f"theme {path}: unknown key ansi16.{key}")
        if value not in RICH_16:
            raise ThemeError(f"theme {path}: ansi16.{key} = {value!r} is not one of the 16 ansi_* colours")
        overrides[key.lower()] = value
    return overrides


def sixteen_colour_theme(theme: Theme, overrides: dict[str, str] | None = None) -> Theme:
    """`theme` for a 16-colour terminal: 16 colours only, each readable on the painted background.

    An `ansi` theme is returned as it is: it already speaks the terminal's 16 colours. Otherwise
    every colour comes from DARK16 or LIGHT16 (by `theme.dark`) with the theme's `[ansi16]`
    overrides on top, written as RICH_16 values. Textual's variables that it would otherwise
    derive by blending (muted text, the cursor, the footer, selections) are set too, because a blend
    lands on whichever of the 16 colours is nearest, readable or not.
    """
    if theme.ansi:
        return theme
    table = {key: RICH_16[name] for key, name in {**(DARK16 if theme.dark else LIGHT16), **(overrides or {})}.items()}
    c = table.get
    bg, fg, primary, accent, on_accent, muted = (
        c("background"), c("foreground"), c("primary"), c("accent"), c("on-accent"), c("muted"))
    # "warning" and "accent" are both base and semantic names: one value serves both
    semantic = {variable_name(name): table[name.lower()] for name in BASE if name.lower() in table}
    textual = {
        **dict.fromkeys(("text", "footer-foreground", "footer-description-foreground", "button-foreground",
                         "button-color-foreground", "link-color",
                         "link-color-hover", "input-cursor-background", "block-cursor-blurred-foreground",
                         "markdown-h4-color", "markdown-h5-color"), fg),
        **dict.fromkeys(("text-muted", "text-disabled", "foreground-muted", "foreground-disabled",
                         "markdown-h6-color", "border-blurred", "scrollbar", "scrollbar-hover", "kt-divider",
                         "surface-lighten-2", "surface-lighten-3", "surface-darken-1"), muted),  # tree guides
        **dict.fromkeys(("footer-background", "footer-key-background", "footer-description-background",
                         "footer-item-background", "block-cursor-blurred-background", "block-hover-background",
                         "scrollbar-background", "scrollbar-background-hover", "scrollbar-background-active",
                         "scrollbar-corner-color", "input-cursor-foreground", "primary-background",
                         "secondary-background", "background-muted"), bg),
        **dict.fromkeys(("block-cursor-background", "border", "scrollbar-active", "input-selection-background",
                         "screen-selection-background", "link-background-hover"), primary),
        **dict.fromkeys(("block-cursor-foreground", "screen-selection-foreground", "input-selection-foreground"),
                        on_accent),
        **dict.fromkeys(("text-primary", "text-secondary", "markdown-h1-color", "markdown-h2-color",
                         "markdown-h3-color"), primary),
        "text-accent": accent,
        "text-warning": c("warning"),
        "text-error": c("error"),
        "text-success": c("success"),
        "footer-key-foreground": accent,
        "block-cursor-text-style": "bold",
        "block-cursor-blurred-text-style": "underline",  # cells keep their colours: only a line shows
        "kt-veil": "transparent",  # modal screens leave the view under them as it is
    }
    return Theme(
        name=theme.name,
        dark=theme.dark,
        primary=primary,
        secondary=c("secondary"),
        accent=accent,
        warning=c("warning"),
        error=c("error"),
        success=c("success"),
        foreground=fg,
        background=bg,
        surface=bg,
        panel=bg,
        boost="#00000000",
        luminosity_spread=0.0,  # no lighter or darker shades: each would be some other of the 16
        variables={**textual, **semantic},
    )


def bundled_theme_files() -> list[Path]:
    folder = resources.files("kafkatui") / "themes"
    return sorted(Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml"))


def user_theme_dir() -> Path:
    return config_dir() / "themes"


def is_theme_path(requested: str) -> bool:
    """`--theme ./mine.toml` names a file rather than a theme."""
    return requested.endswith(".toml") or "/" in requested


def load_themes(user_dir: Path | None = None, extra: tuple[Path, ...] = (), *, sixteen: bool = False) -> ThemeSet:
    """Every bundled theme, then the user's (same name overrides), then `extra` files (a `--theme
    PATH`), plus one error line per bad file. `sixteen`: each in its 16-colour form."""
    themes: dict[str, Theme] = {}
    origins: dict[str, Path] = {}
    errors: list[str] = []
    failed: dict[Path, str] = {}
    user_dir = user_theme_dir() if user_dir is None else user_dir
    user_files = sorted(user_dir.glob("*.toml")) if user_dir.is_dir() else []
    for path in [*bundled_theme_files(), *user_files, *extra]:
        try:
            theme = parse_theme(path, path.read_text(encoding="utf-8"), sixteen=sixteen)
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

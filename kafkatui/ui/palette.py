"""Semantic colours: views ask for "critical" or "lag-STALL", never for "red".

Why: a theme must own every colour, so no view hard-codes one. Each semantic name maps to a
Textual theme variable (success, warning, error, accent, foreground-muted ...). A theme can
override any of them through `Theme.variables` with a `kt-` prefix and a lower-case name, e.g.
`Theme(..., variables={"kt-ok": "#00ff00", "kt-lag-stall": "#ff00ff"})`. The same `kt-*`
names are CSS variables (see `css_variables`), so `app.tcss` can write `color: $kt-critical`.

API for views:
- `semantic(app, name) -> str`: a Rich colour string (e.g. "#4ebf71", or "color(2)" on an
  ANSI theme) for Rich markup/Text/Style: `Text("GONE", style=semantic(app, "critical"))`.
- `styled(app, name, text, bold=False) -> Text`: the same as a ready Rich Text.
- `lag_colour(app, status)`: shortcut for a `LagStatus` (or its string value).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.color import Color, ColorParseError

if TYPE_CHECKING:
    from textual.app import App

    from kafkatui.model import LagStatus

# semantic name -> the Textual base variable it falls back to when the theme sets no kt-* value
BASE: dict[str, str] = {
    "ok": "success",
    "warning": "warning",
    "critical": "error",
    "stale": "warning",
    "readonly": "accent",
    "paused": "warning",
    "accent": "accent",
    "info": "primary",
    "muted": "foreground-muted",
    "text": "foreground",
    "lag-OK": "success",
    "lag-WARN": "warning",
    "lag-STALL": "error",
    "lag-STOP": "error",
    "lag-REWIND": "accent",
    "lag-ERR": "error",
    "lag-UNKNOWN": "foreground-muted",
    "lag-PENDING": "foreground-muted",
}
ALIASES: dict[str, str] = {"lag-PENDING": "lag-UNKNOWN"}
"""A semantic name the theme does not set takes the colour of its alias when the theme sets
that one: a theme written before PENDING existed colours it like UNKNOWN (not judged either)."""

_FALLBACK = "default"
_cache: dict[int, tuple[dict[str, str], dict[str, str]]] = {}  # id(app) -> (its variables, table)


def variable_name(name: str) -> str:
    """The theme/CSS variable that overrides semantic `name` (e.g. lag-STALL -> kt-lag-stall)."""
    return f"kt-{name.lower()}"


def _to_rich(raw: str, background: Color | None) -> str:
    """Turn a Textual colour value (maybe with alpha or a trailing percentage) into a Rich colour."""
    try:
        colour = Color.parse(raw.split()[0])
    except (ColorParseError, IndexError, ValueError):
        return _FALLBACK
    if colour.ansi is not None:
        return colour.rich_color.name
    if colour.a < 1 and background is not None and background.ansi is None:
        colour = background.blend(colour.with_alpha(1), colour.a)
    return colour.hex[:7].lower()


def _resolve(variables: dict[str, str]) -> dict[str, str]:
    try:
        background = Color.parse(variables.get("background", "#000000").split()[0])
    except ColorParseError:
        background = None
    resolved = {}
    for name, base in BASE.items():
        alias = ALIASES.get(name)
        raw = (variables.get(variable_name(name)) or (alias and variables.get(variable_name(alias)))
               or variables.get(base) or "")
        resolved[name] = _to_rich(raw, background) if raw else _FALLBACK
    return resolved


def _table(app: App) -> dict[str, str]:
    """The resolved colours for the app's current CSS variables.

    Cached per app against the variables dict itself (identity, and the cache keeps it alive so
    its id cannot be reused): Textual replaces that dict whenever the theme's CSS is refreshed,
    so a theme switch can never be served colours resolved for the previous theme.
    """
    variables = app.theme_variables or app.get_css_variables()
    entry = _cache.get(id(app))
    if entry is not None and entry[0] is variables:
        return entry[1]
    if len(_cache) > 32:  # one entry per live app; keep it bounded anyway
        _cache.clear()
    table = _resolve(variables)
    _cache[id(app)] = (variables, table)
    return table


def semantic(app: App, name: str) -> str:
    """The Rich colour for semantic `name` under the app's current theme; unknown names -> default."""
    return _table(app).get(name, _FALLBACK)


def styled(app: App, name: str, text: str, *, bold: bool = False) -> Text:
    """`text` as a Rich Text in the semantic colour (no markup parsing, so data can't inject any)."""
    colour = semantic(app, name)
    return Text(text, style=f"bold {colour}" if bold else colour)


def lag_colour(app: App, status: LagStatus | str) -> str:
    value = status if isinstance(status, str) else status.value
    return semantic(app, f"lag-{value}")


# CSS-only kt-* variables (no Rich colour): name -> (the variable it blends, alpha, value when that
# variable is an ANSI colour). Textual ignores alpha on ANSI colours, so a 15% band of the stale
# colour would be the stale colour itself, under text in the stale colour: ANSI gets the fallback.
# A 16-colour theme sets them itself, because a blend lands on whichever of the 16 is nearest.
BLENDS: dict[str, tuple[str, str, str | None]] = {
    "kt-divider": ("foreground", " 20%", None),  # thin lines between panes; None: the colour itself
    "kt-veil": ("background", " 60%", "transparent"),  # what a modal screen lays over the view under it
    "kt-stale-band": ("kt-stale", " 15%", "transparent"),  # behind the stale banner's text
}


def css_variables(variables: dict[str, str]) -> dict[str, str]:
    """kt-* CSS variables derived from the theme's base ones, for `App.get_css_variables`.

    Values the theme sets itself are kept; the rest point at the base variable's value so
    `$kt-critical` in CSS always follows the theme.
    """
    extra = {}
    for name, base in BASE.items():
        var = variable_name(name)
        alias = variable_name(ALIASES[name]) if name in ALIASES else None
        source = alias if alias in variables else base
        if var not in variables and source in variables:
            extra[var] = variables[source]
    for var, (base, alpha, ansi) in BLENDS.items():
        value = variables.get(base) or extra.get(base)
        if var not in variables and value:
            extra[var] = (ansi or value) if value.startswith("ansi_") else value + alpha
    return extra

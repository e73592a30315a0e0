"""Venue files: point House Edge at raw files in the venues' own formats.

The dbt var ``venue_files`` is a list of ``{venue, format, path[, symbol][, price_type]}``
entries (the dbt sources venue_files.* read the files, macros/venue_files/venue_files.sql checks
the entries; docs/formats.md describes every format).
This module is the command-line side: it parses ``VENUE:FORMAT:PATH[:key=value...]`` specs
(``house-edge build --venue-file binance:forceorder-csv:'captures/*.csv'``), checks them early
with messages that name the spec, resolves relative paths (dbt runs from the project root, the
user from anywhere) and checks that every path matches at least one file.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path

from house_edge import config

OPTION_KEYS = ("symbol", "price_type")


class VenueFileError(ValueError):
    """A venue-file spec that cannot be used; the message names the spec."""


def formats() -> dict[str, tuple[str, str]]:
    """format -> (venue, kind of record): the one registry, dbt var ``venue_file_formats`` in
    dbt_project.yml, which dbt reads too (macro venue_file_formats(), the sources venue_files.*).
    Read from the checkout this package belongs to (HOUSE_EDGE_PROJECT_DIR, else the package's
    own), so the registry always matches the staging models beside it, whatever the working
    directory."""
    root = config.package_project_root()
    registry = config.project_vars(root).get("venue_file_formats")
    if not registry:
        raise config.BuildError(f"no var venue_file_formats in {root / 'dbt_project.yml'}: "
                                "set HOUSE_EDGE_PROJECT_DIR to the House Edge checkout")
    return {fmt: (spec["venue"], spec["kind"]) for fmt, spec in registry.items()}


def _known() -> str:
    return ", ".join(f"{venue}:{fmt}" for fmt, (venue, _) in formats().items())


def parse_spec(spec: str, kind: str | None = None) -> dict[str, str]:
    """``VENUE:FORMAT:PATH[:key=value...]`` -> a ``venue_files`` entry (path not yet resolved).

    ``kind`` (e.g. ``liquidations``) restricts the formats accepted, for options such as
    ``--liquidations`` that only take one kind of file.
    """
    parts = spec.split(":")
    if len(parts) < 3 or not all(parts[:3]):
        raise VenueFileError(f"venue file {spec!r}: expected VENUE:FORMAT:PATH, e.g. "
                             f"binance:forceorder-csv:'captures/*.csv'; known: {_known()}")
    venue, fmt = parts[0].strip().lower(), parts[1].strip().lower()
    options = {}
    while len(parts) > 3 and "=" in parts[-1]:
        key, _, value = parts.pop().partition("=")
        if key not in OPTION_KEYS:
            raise VenueFileError(f"venue file {spec!r}: unknown option {key!r}; "
                                 f"allowed: {', '.join(OPTION_KEYS)}")
        options[key] = value
    path = ":".join(parts[2:])
    known = formats()
    if fmt not in known:
        raise VenueFileError(f"venue file {spec!r}: unknown format {fmt!r}; known: {_known()}")
    expected_venue, fmt_kind = known[fmt]
    if venue != expected_venue:
        raise VenueFileError(f"venue file {spec!r}: format {fmt} belongs to venue "
                             f"{expected_venue}, not {venue}")
    if kind and fmt_kind != kind:
        raise VenueFileError(f"venue file {spec!r}: format {fmt} holds {fmt_kind}, not {kind}")
    if options.get("price_type", "trade") not in ("trade", "mark", "index"):
        raise VenueFileError(f"venue file {spec!r}: price_type must be trade, mark or index")
    return {"venue": venue, "format": fmt, "path": path, **options}


def resolve(entry: dict[str, str], base: Path | None = None) -> dict[str, str]:
    """The entry with an absolute path (globs kept), after checking it matches a file."""
    path = entry["path"]
    absolute = path if os.path.isabs(path) else os.path.join(str(base or Path.cwd()), path)
    absolute = os.path.normpath(absolute)
    if not glob.glob(absolute):
        raise VenueFileError(f"venue file {entry['venue']}:{entry['format']}:{path}: "
                             f"no file matches {absolute!r}")
    return {**entry, "path": absolute}


def build_vars(specs: list[tuple[str, str | None]], use_simulator: bool = True,
               base: Path | None = None) -> dict[str, object]:
    """dbt vars for ``house-edge build``: ``venue_files`` (and ``use_simulator``)."""
    entries = [resolve(parse_spec(spec, kind), base) for spec, kind in specs]
    out: dict[str, object] = {}
    if entries:
        out["venue_files"] = entries
    if not use_simulator:
        out["use_simulator"] = False
    return out

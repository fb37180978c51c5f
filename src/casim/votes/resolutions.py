"""Resolution files: described UN General Assembly texts, their dates, kinds and recorded votes."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import sources, yamlfile
from ..errors import CasimError, did_you_mean
from ..quarters import quarter_of, step_at
from ..scenario import Scenario
from .logit import OUTCOMES, TEXT_KINDS, vote_data

ROLES = ("fitted", "held_out")
RESOLUTION_FIELDS = ("id", "date", "kind", "title", "source", "observed", "role", "note", "powers", "tally")
REQUIRED_FIELDS = ("id", "date", "kind")
TALLY_KEYS = ("yes", "no", "abstain")


@dataclass(frozen=True)
class Resolution:
    """A described UN General Assembly text; ``observed`` maps states to their recorded vote."""

    id: str
    date: _dt.date
    kind: str
    title: str = ""
    source: str = ""
    observed: Mapping[str, str] = field(default_factory=dict)
    role: str | None = None
    where: str = ""
    powers: Mapping[str, str] = field(default_factory=dict)  # the powers' recorded votes, as the entry gives them
    tally: Mapping[str, int] | None = None  # the Assembly's yes / no / abstain totals, as the entry gives them

    @property
    def quarter(self) -> str:
        """The label of the quarter holding the text's date (2023-02-23 -> "2023Q1")."""
        return quarter_of(self.date)

    def power_votes(self) -> dict[str, str]:
        """Each power's vote: as the entry's ``powers`` give it, else its kind's typical vote (data/votes.yaml)."""
        return {**vote_data().kind_powers[self.kind], **self.powers}

    @property
    def directed(self) -> bool:
        """About a conflict Russia is party to (its kind's ``directed``, data/votes.yaml)."""
        return vote_data().kind_directed[self.kind]

    @property
    def support(self) -> float:
        """The Assembly's yes share, yes / (yes + no + abstain): from the ``tally``, else the kind's typical one."""
        if self.tally is None:
            return vote_data().kind_support[self.kind]
        return self.tally["yes"] / sum(self.tally[k] for k in TALLY_KEYS)


def _item_lines(doc: yamlfile.Document, n: int, name: str) -> list[tuple[str, dict[str, str]]]:
    """For each item of the ``resolutions`` list: its line and the line of each of its keys."""
    out = []
    for i in range(n):
        keys = {k[2]: line for k, line in doc.origins.items() if len(k) == 3 and k[:2] == ("resolutions", i)}
        out.append((doc.origins.get(("resolutions", i), name), keys))
    return out


def _date(value, where: str, rid: str) -> _dt.date:
    """A resolution's ``date`` as a date (YAML gives a date; a string must be ISO), or a one-line error."""
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    try:
        return _dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise CasimError(
            f"resolution {rid}: date {value!r} is not a date; write it like 2023-02-23", where=where
        ) from None


def _vote(v):
    """YAML 1.1 reads a bare yes/no as a boolean: take it as the vote it spells."""
    return {True: "yes", False: "no"}[v] if isinstance(v, bool) else v


def _powers(value, rid: str, where: str, at=None) -> dict[str, str]:
    """An entry's ``powers`` (power -> recorded vote), or a one-line error (``at(power)``: that key's line)."""
    at = at or (lambda _: where)
    if not isinstance(value, dict) or not value:
        raise CasimError(
            f'resolution {rid}: \'powers\' maps powers to their recorded votes, e.g. {{russia: "no", west: "yes"}}',
            where=where,
        )
    known = sources.load().known_powers
    out = {}
    for p, v in value.items():
        if p not in known:
            raise CasimError(
                f"resolution {rid}: unknown power {p!r} in 'powers'{did_you_mean(str(p), known)}", where=at(p)
            )
        v = _vote(v)
        if v not in OUTCOMES:
            raise CasimError(f"resolution {rid}: vote {v!r} of {p} is not one of {', '.join(OUTCOMES)}", where=at(p))
        out[str(p)] = str(v)
    return out


def _tally(value, rid: str, where: str) -> dict[str, int]:
    """An entry's ``tally``: ``{"yes": 141, "no": 5, abstain: 35}`` or ``"141-5-35"``, or a one-line error."""
    example = 'write it as {"yes": 141, "no": 5, abstain: 35} or "141-5-35"'
    if isinstance(value, str):
        parts = value.replace(" ", "").split("-")
        if len(parts) != 3 or not all(x.isdigit() for x in parts):
            raise CasimError(f"resolution {rid}: tally {value!r} is not yes-no-abstain; {example}", where=where)
        value = dict(zip(TALLY_KEYS, (int(x) for x in parts), strict=True))
    if not isinstance(value, dict):
        raise CasimError(f"resolution {rid}: 'tally' gives the Assembly's totals; {example}", where=where)
    for k in value:
        if k not in TALLY_KEYS:
            raise CasimError(
                f"resolution {rid}: unknown tally key {k!r}{did_you_mean(str(k), TALLY_KEYS)} "
                f"(keys: {', '.join(TALLY_KEYS)})",
                where=where,
            )
    for k in TALLY_KEYS:
        v = value.get(k)
        if v is None:
            raise CasimError(f"resolution {rid}: tally has no {k!r}; {example}", where=where)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise CasimError(f"resolution {rid}: tally {k} {v!r} is not a count (a whole number >= 0)", where=where)
    if value["yes"] + value["no"] + value["abstain"] == 0:
        raise CasimError(f"resolution {rid}: tally is all zero; {example}", where=where)
    return {k: int(value[k]) for k in TALLY_KEYS}


def read_resolutions(path: str | Path) -> tuple[Resolution, ...]:
    """Read and check a resolutions file (see docs/validation.md for its format)."""
    path = Path(path)
    name = str(path)
    doc = yamlfile.read(path, what="a resolutions file (a 'resolutions' list)")
    raw = doc.data
    if not isinstance(raw, dict) or "resolutions" not in raw:
        raise CasimError("a resolutions file is a mapping with a 'resolutions' list", where=name)
    extra = [k for k in raw if k != "resolutions"]
    if extra:
        raise CasimError(f"unknown key {extra[0]!r}; a resolutions file has only 'resolutions'", where=name)
    items = raw["resolutions"]
    if not isinstance(items, list) or not items:
        raise CasimError("'resolutions' must be a non-empty list of texts", where=name)
    lines = _item_lines(doc, len(items), name)
    states = sources.load().states
    seen: dict[str, str] = {}
    out = []
    for i, item in enumerate(items):
        where, keys = lines[i] if i < len(lines) else (name, {})
        if not isinstance(item, dict):
            raise CasimError(f"resolution {i + 1} must be a mapping with id, date and kind", where=where)
        for k in item:
            if k not in RESOLUTION_FIELDS:
                raise CasimError(
                    f"unknown field {k!r}{did_you_mean(str(k), RESOLUTION_FIELDS)}", where=keys.get(k, where)
                )
        for k in REQUIRED_FIELDS:
            if item.get(k) is None:
                label = f"resolution {item['id']}" if item.get("id") is not None else f"resolution {i + 1}"
                raise CasimError(f"{label} has no {k!r} (required: {', '.join(REQUIRED_FIELDS)})", where=where)
        rid = str(item["id"])
        if rid in seen:
            raise CasimError(f"duplicate resolution id {rid!r} (first at {seen[rid]})", where=keys.get("id", where))
        seen[rid] = keys.get("id", where)
        kind = str(item["kind"])
        if kind not in TEXT_KINDS:
            raise CasimError(
                f"resolution {rid}: unknown kind {kind!r}{did_you_mean(kind, TEXT_KINDS)}",
                where=keys.get("kind", where),
            )
        date = _date(item["date"], keys.get("date", where), rid)
        observed = item.get("observed") or {}
        if not isinstance(observed, dict):
            raise CasimError(
                f"resolution {rid}: 'observed' maps states to votes, e.g. {{KAZ: abstain}}",
                where=keys.get("observed", where),
            )
        # YAML 1.1 reads a bare yes/no as a boolean: take it as the vote it spells
        observed = {s: _vote(v) for s, v in observed.items()}
        for s, v in observed.items():
            if s not in states:
                raise CasimError(
                    f"resolution {rid}: unknown state {s!r} in 'observed'{did_you_mean(str(s), states)}",
                    where=keys.get("observed", where),
                )
            if v not in OUTCOMES:
                raise CasimError(
                    f"resolution {rid}: vote {v!r} of {s} is not one of {', '.join(OUTCOMES)}",
                    where=keys.get("observed", where),
                )
        role = item.get("role")
        if role is not None and role not in ROLES:
            raise CasimError(
                f"resolution {rid}: role {role!r} is not one of {', '.join(ROLES)}", where=keys.get("role", where)
            )
        if observed and role is None:
            raise CasimError(
                f"resolution {rid}: an 'observed' record needs a role (fitted or held_out)",
                where=keys.get("observed", where),
            )
        pw_line = keys.get("powers", where)
        at = lambda k, i=i, d=pw_line: doc.where(("resolutions", i, "powers", k), d)  # noqa: E731
        powers = {} if item.get("powers") is None else _powers(item["powers"], rid, pw_line, at)
        tally = None if item.get("tally") is None else _tally(item["tally"], rid, keys.get("tally", where))
        out.append(
            Resolution(
                id=rid,
                date=date,
                kind=kind,
                title=str(item.get("title") or ""),
                source=str(item.get("source") or ""),
                observed=dict(observed),
                role=role,
                where=where,
                powers=powers,
                tally=tally,
            )
        )
    return tuple(out)


def check_horizon(resolutions: Iterable[Resolution], scenario: Scenario) -> list[int]:
    """The model step of each text's date in the scenario; a one-line error if one falls outside its horizon."""
    return [
        step_at(scenario, r.quarter, f"resolution {r.id}: date {r.date.isoformat()} ({r.quarter})", r.where or None)
        for r in resolutions
    ]

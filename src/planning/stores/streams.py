"""Funding streams: where the plan's money comes from and what each stream may pay for.

Data: ``data/funding_streams.yaml`` (each rule with its legal source or labelled derived /
assumption). A scenario states money by stream × year × component (``streams:``); this module
checks that each stream pays only for the components its rule allows and turns the amounts into
the programme book's money: a grant's amount as it is, a loan's volume times the budget cost of
each VND lent (docs/model.md §4a). Money in million VND.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from planning.basics.checks import number, problem
from planning.basics.errors import PlanningInputError
from planning.basics.paths import display_path
from planning.basics.yamlio import read_yaml

FILE_NAME = "funding_streams.yaml"
KINDS = ("grant", "loan")
STATUSES = ("law", "derived", "assumption")


@dataclass(frozen=True)
class Stream:
    """One stream of money. ``cost_per_vnd`` (loans only): budget cost of each VND lent, per component."""

    id: str
    name_vi: str
    name_en: str
    kind: Literal["grant", "loan"]
    components: tuple[str, ...]
    rule_vi: str
    rule_en: str
    legal_source: str
    status: str
    cost_per_vnd: dict[str, float]

    def name(self, lang: str = "vi") -> str:
        return self.name_vi if lang == "vi" else self.name_en

    def factor(self, component: str) -> float:
        """Programme-book money per VND of this stream put on ``component`` (1 for a grant)."""
        return self.cost_per_vnd[component] if self.kind == "loan" else 1.0


@dataclass(frozen=True)
class FundingStreams:
    """All streams in file order."""

    streams: tuple[Stream, ...]
    source_file: str

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(s.id for s in self.streams)

    def stream(self, sid: str) -> Stream:
        for s in self.streams:
            if s.id == sid:
                return s
        raise KeyError(sid)


def load_funding_streams(path: Path, components: tuple[str, ...]) -> FundingStreams:
    """Read and check ``funding_streams.yaml`` against the programme book's ``components``."""
    shown = display_path(path)
    if not path.exists():
        raise PlanningInputError(shown, "<file>", "the funding-stream file of the data folder (streams by id)",
                                 "missing", message_vi=f"không tìm thấy tệp nguồn vốn {shown}")
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("streams"), dict) or not raw["streams"]:
        raise problem(shown, "streams", "a mapping of stream id to entry", "một bảng mã nguồn vốn → nội dung",
                      None if not isinstance(raw, dict) else raw.get("streams"))
    return FundingStreams(tuple(_parse_stream(str(sid), entry, shown, components)
                                for sid, entry in raw["streams"].items()), shown)


def _text(entry: dict[str, Any], key: str, shown: str, field: str) -> tuple[str, str]:
    node = entry.get(key)
    if not isinstance(node, dict) or not all(isinstance(node.get(lang), str) and node[lang].strip()
                                             for lang in ("vi", "en")):
        raise problem(shown, f"{field}.{key}", "a text {vi, en}", "một đoạn văn {vi, en}", node)
    return node["vi"], node["en"]


def _parse_stream(sid: str, entry: Any, shown: str, components: tuple[str, ...]) -> Stream:
    f = f"streams.{sid}"
    if not isinstance(entry, dict):
        raise problem(shown, f, "a mapping", "một bảng", entry)
    name_vi, name_en = _text(entry, "name", shown, f)
    rule_vi, rule_en = _text(entry, "rule", shown, f)
    kind = entry.get("kind")
    if kind not in KINDS:
        raise problem(shown, f"{f}.kind", "grant or loan", "grant (không hoàn lại) hoặc loan (cho vay)", kind)
    status = entry.get("status")
    if status not in STATUSES:
        raise problem(shown, f"{f}.status", "law, derived or assumption", "law, derived hoặc assumption", status)
    legal = entry.get("legal_source")
    if not isinstance(legal, str) or not legal.strip():
        raise problem(shown, f"{f}.legal_source", "the law or decision behind the rule (or NOT FOUND)",
                      "văn bản pháp lý của quy định (hoặc NOT FOUND)", legal)
    comps = entry.get("components")
    if not isinstance(comps, list) or not comps:
        raise problem(shown, f"{f}.components", "a list of programme-book components",
                      "danh sách hợp phần của sổ chương trình", comps)
    for c in comps:
        if c not in components:
            raise problem(shown, f"{f}.components", f"components of the programme book: {', '.join(components)}",
                          f"các hợp phần của sổ chương trình: {', '.join(components)}", c)
    cost: dict[str, float] = {}
    if kind == "loan":
        node = entry.get("budget_cost_per_vnd_lent")
        if not isinstance(node, dict):
            raise problem(shown, f"{f}.budget_cost_per_vnd_lent", "the budget cost of each VND lent, per component",
                          "chi phí ngân sách trên mỗi đồng cho vay, theo hợp phần", node)
        for c in comps:
            item = node.get(c)
            field = f"{f}.budget_cost_per_vnd_lent.{c}"
            if not isinstance(item, dict) or not str(item.get("source", "")).strip():
                raise problem(shown, field, "an entry {value, source}", "một mục {value, source}", item)
            cost[c] = number(item.get("value"), shown, field, lo=0.0, hi=1.0, lo_open=True,
                             what_en="a share in (0, 1]", what_vi="một tỷ lệ trong (0, 1]")
    return Stream(id=sid, name_vi=name_vi, name_en=name_en, kind=kind, components=tuple(comps),
                  rule_vi=rule_vi, rule_en=rule_en, legal_source=legal, status=status, cost_per_vnd=cost)


def stream_amounts(raw: dict[str, dict[int, dict[str, float]]], streams: FundingStreams,
                   component_ids: tuple[str, ...], years: list[int], *, source: str) -> dict[str, np.ndarray]:
    """A scenario's ``streams:`` as [component, year] arrays of the stream's own money (a loan's
    volume), checked: known streams, known components, each allowed by its stream's rule."""
    out: dict[str, np.ndarray] = {}
    for sid, by_year in raw.items():
        if sid not in streams.ids:
            raise PlanningInputError(source, f"streams.{sid}", f"a funding stream of {streams.source_file}: "
                                     f"{', '.join(streams.ids)}", sid,
                                     message_vi=f"nguồn vốn '{sid}' không có trong {streams.source_file} "
                                                f"(có: {', '.join(streams.ids)})")
        st = streams.stream(sid)
        arr = np.zeros((len(component_ids), len(years)))
        for year, comps in by_year.items():
            for comp, amount in comps.items():
                field = f"streams.{sid}.{year}.{comp}"
                if comp not in component_ids:
                    raise PlanningInputError(source, field, f"a component of the programme book: "
                                             f"{', '.join(component_ids)}", comp,
                                             message_vi=f"hợp phần '{comp}' không có trong sổ chương trình")
                if comp not in st.components:
                    payers = ", ".join(s.id for s in streams.streams if comp in s.components) or "none"
                    raise PlanningInputError(
                        source, field,
                        f"a component that stream '{sid}' may pay for; rule: {st.rule_en}. "
                        f"'{comp}' may be paid by: {payers}", comp,
                        message_vi=f"nguồn vốn '{sid}' ({st.name_vi}) không được chi cho hợp phần '{comp}'. "
                                   f"Quy định: {st.rule_vi}. Nguồn được chi cho '{comp}': {payers}")
                arr[component_ids.index(comp), years.index(year)] = amount
        out[sid] = arr
    return out


def book_money(amounts: dict[str, np.ndarray], streams: FundingStreams,
               component_ids: tuple[str, ...]) -> np.ndarray:
    """[component, year] programme-book money of all streams: grants as they are, loans at
    their budget cost."""
    total = None
    for sid, arr in amounts.items():
        st = streams.stream(sid)
        f = np.array([st.factor(c) if c in st.components else 0.0 for c in component_ids])
        part = arr * f[:, None]
        total = part if total is None else total + part
    if total is None:
        raise ValueError("no streams")
    return total

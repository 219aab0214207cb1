"""A basic accessibility check of served HTML, offline (axe-core would need the npm registry):
the document has a language and a title; headings start at one h1 and never skip a level;
every form control a person fills has a label (``<label for>``, a wrapping label or
aria-label); ids are unique; every ``aria-labelledby``/``aria-describedby`` names an element
that exists; images have alt text; buttons and links have text."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

_FILLED = {"input", "select", "textarea"}
_UNLABELLED_INPUTS = {"hidden", "submit", "button", "reset"}


@dataclass
class _Control:
    tag: str
    attrs: dict[str, str]
    wrapped: bool


@dataclass
class _Found:
    lang: str = ""
    title: str = ""
    headings: list[int] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    label_for: set[str] = field(default_factory=set)
    controls: list[_Control] = field(default_factory=list)
    references: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found = _Found()
        self._labels = 0
        self._text_of: list[tuple[str, dict[str, str], list[str]]] = []
        self._in_title = False

    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        attrs = {k: v or "" for k, v in attrs_list}
        found = self.found
        if tag == "html":
            found.lang = attrs.get("lang", "")
        if tag == "title":
            self._in_title = True
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            found.headings.append(int(tag[1]))
        if "id" in attrs:
            found.ids.append(attrs["id"])
        for name in ("aria-labelledby", "aria-describedby"):
            found.references += attrs.get(name, "").split()
        if tag == "label":
            self._labels += 1
            if attrs.get("for"):
                found.label_for.add(attrs["for"])
        if tag in _FILLED and attrs.get("type", "") not in _UNLABELLED_INPUTS:
            found.controls.append(_Control(tag, attrs, self._labels > 0))
        if tag == "img" and not attrs.get("alt"):
            found.problems.append(f"an image without alt text: {attrs.get('src')}")
        if tag in ("button", "a"):
            self._text_of.append((tag, attrs, []))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._labels -= 1
        if tag == "title":
            self._in_title = False
        if tag in ("button", "a") and self._text_of:
            _, attrs, text = self._text_of.pop()
            if not "".join(text).strip() and not attrs.get("aria-label"):
                self.found.problems.append(f"a {tag} without text: {attrs}")

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.found.title += data
        for _, _, text in self._text_of:
            text.append(data)


def problems(html: str) -> list[str]:
    """Everything the check finds wrong with the page ``html``; empty when it passes."""
    reader = _Reader()
    reader.feed(html)
    found = reader.found
    wrong = list(found.problems)
    if not found.lang:
        wrong.append("the <html> element has no lang attribute")
    if not found.title.strip():
        wrong.append("the page has no title")
    if found.headings[:1] != [1] or found.headings.count(1) != 1:
        wrong.append(f"the page must start with its one h1: headings {found.headings}")
    for before, after in zip(found.headings, found.headings[1:], strict=False):
        if after > before + 1:
            wrong.append(f"a heading skips a level: h{before} then h{after}")
    duplicates = {i for i in found.ids if found.ids.count(i) > 1}
    if duplicates:
        wrong.append(f"ids used twice: {sorted(duplicates)}")
    missing = sorted(set(found.references) - set(found.ids))
    if missing:
        wrong.append(f"aria references to no element: {missing}")
    for control in found.controls:
        ident = control.attrs.get("id", "")
        labelled = (
            control.wrapped
            or (ident and ident in found.label_for)
            or control.attrs.get("aria-label")
            or control.attrs.get("aria-labelledby")
        )
        if not labelled:
            wrong.append(f"a {control.tag} without a label: {control.attrs}")
    return wrong

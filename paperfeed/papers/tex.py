"""Server-side rendering of the inline TeX found in arXiv titles and abstracts. Pure Python.

arXiv metadata writes maths as ``$...$`` (``$O(n^2)$``, ``$\\alpha$-divergence``,
``$\\mathbb{R}^d$``). :func:`render` turns it into HTML with Unicode symbols and ``<sup>`` /
``<sub>``, so it reads well with no JavaScript and no fonts to download. It only ever emits
``<span class="math">``, ``<sup>``, ``<sub>``, ``<i>`` and ``<b>`` around escaped text, so
hostile input stays text. Anything it does not understand is shown as written, escaped.
"""

# The symbol tables are meant to hold look-alike characters.
# ruff: noqa: RUF001, RUF002
from __future__ import annotations

import html
import re
from collections.abc import Callable

MAX_MATH = 300  # longer "$...$" spans are almost surely two stray dollars, not maths
# As in TeX-aware Markdown: no space just inside the dollars and no digit right after the
# closing one, so "costs $5 and $10" stays text.
MATH_SPAN = re.compile(rf"(?<!\\)\$\$?(?!\s)([^$]{{1,{MAX_MATH}}}?)(?<![\s\\])\$\$?(?!\d)")
_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
# TeX's quotes, as arXiv metadata often writes them: ``double'' and `single'.
_DOUBLE_QUOTED = re.compile(r"(?<!\\)``(.{1,2000}?)''", re.DOTALL)
_OPENING = re.compile(r"(?<!\\)``")
_SINGLE_QUOTED = re.compile(r"(?<![\\`])`([^`'\n]{1,300})'")

SYMBOLS = {
    # Greek
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
    "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ",
    "Pi": "Π", "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
    # Relations and operators
    "times": "×", "cdot": "·", "div": "÷", "pm": "±", "mp": "∓", "leq": "≤", "le": "≤",
    "geq": "≥", "ge": "≥", "neq": "≠", "ne": "≠", "approx": "≈", "sim": "∼", "simeq": "≃",
    "equiv": "≡", "propto": "∝", "ll": "≪", "gg": "≫", "in": "∈", "notin": "∉",
    "subset": "⊂", "subseteq": "⊆", "supset": "⊃", "cup": "∪", "cap": "∩", "setminus": "∖",
    "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐",
    "leftrightarrow": "↔", "iff": "⇔", "mapsto": "↦", "infty": "∞", "partial": "∂",
    "nabla": "∇", "forall": "∀", "exists": "∃", "neg": "¬", "wedge": "∧", "vee": "∨",
    "oplus": "⊕", "otimes": "⊗", "circ": "∘", "ast": "∗", "star": "⋆", "dagger": "†",
    "sum": "∑", "prod": "∏", "int": "∫", "sqrt": "√", "ell": "ℓ", "hbar": "ℏ",
    "emptyset": "∅", "varnothing": "∅", "ldots": "…", "cdots": "⋯", "dots": "…",
    "prime": "′", "degree": "°", "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋",
    "lceil": "⌈", "rceil": "⌉", "mid": "∣", "parallel": "∥", "perp": "⊥", "top": "⊤",
    "bot": "⊥", "uparrow": "↑", "downarrow": "↓", "checkmark": "✓", "%": "%", "$": "$",
    "{": "{", "}": "}", "_": "_", "&": "&", "#": "#", ",": " ", ";": " ", ":": " ", "!": "",
    " ": " ", "quad": " ", "qquad": "  ", "\\": " ", "|": "‖",
    # Named functions are upright text
    "log": "log", "ln": "ln", "exp": "exp", "sin": "sin", "cos": "cos", "tan": "tan",
    "max": "max", "min": "min", "arg": "arg", "argmax": "argmax", "argmin": "argmin",
    "lim": "lim", "sup": "sup", "inf": "inf", "det": "det", "Pr": "Pr",
    "left": "", "right": "", "big": "", "Big": "", "bigl": "", "bigr": "", "displaystyle": "",
}  # fmt: skip
BLACKBOARD = {"R": "ℝ", "N": "ℕ", "Z": "ℤ", "Q": "ℚ", "C": "ℂ", "E": "𝔼", "P": "ℙ"}
CALLIGRAPHIC = {"O": "𝒪", "L": "ℒ", "N": "𝒩", "D": "𝒟", "F": "ℱ", "H": "ℋ", "M": "ℳ"}
# Commands whose one argument is shown as it is (maybe styled).
TEXT_COMMANDS = {"text": "", "mathrm": "", "textrm": "", "operatorname": "", "mbox": "",
                 "mathbf": "b", "textbf": "b", "boldsymbol": "b", "bm": "b",
                 "mathit": "i", "textit": "i", "emph": "i", "mathsf": "", "texttt": "",
                 "mathtt": "", "hat": "", "tilde": "", "bar": "", "vec": "", "overline": "",
                 "widehat": "", "widetilde": "", "dot": "", "underline": ""}  # fmt: skip


_ACCENTS = ("hat", "tilde", "bar", "vec", "overline", "widehat", "widetilde", "dot", "underline")


def render(text: str, *, plain: Callable[[str], str] = html.escape) -> str:
    """``text`` as HTML: escaped, with each ``$...$`` span typeset as inline maths and TeX's
    quotes outside maths made real quotes. ``plain`` turns the text between maths into HTML
    (search passes one that also marks the words it found)."""
    text = quotes(text)
    if "$" not in text:  # most titles and abstracts: no maths to look for
        return plain(text)
    out: list[str] = []
    last = 0
    for match in MATH_SPAN.finditer(text):
        out.append(plain(text[last : match.start()]))
        out.append(f'<span class="math">{render_math(match[1])}</span>')
        last = match.end()
    out.append(plain(text[last:]))
    return "".join(out)


def math_cut(text: str, end: int) -> int:
    """``end``, or the start of the maths span it falls inside: where a preview may stop
    without leaving half a formula as raw TeX."""
    if "$" not in text:  # most abstracts: a search's snippet cuts each twice
        return end
    for match in MATH_SPAN.finditer(text):
        if match.start() < end < match.end():
            return match.start()
        if match.start() >= end:
            break
    return end


def quotes(text: str) -> str:
    """TeX's ````...''`` and ```...'`` outside maths as “...” and ‘...’ (a quote may hold
    maths); an unpaired ```` opens a quote too (it can mean nothing else), while a lone ``''``
    or ``'`` stays, as it may be a prime."""
    if "`" not in text:
        return text
    maths: list[str] = []

    def hide(match: re.Match[str]) -> str:
        maths.append(match[0])
        return f"\x00{len(maths) - 1}\x00"

    text = MATH_SPAN.sub(hide, text.replace("\x00", ""))
    text = _OPENING.sub("“", _DOUBLE_QUOTED.sub(r"“\1”", text))
    text = _SINGLE_QUOTED.sub(r"‘\1’", text)
    return re.sub("\x00(\\d+)\x00", lambda m: maths[int(m[1])], text)


def render_math(source: str) -> str:
    """One maths span (without its dollars) as safe HTML."""
    try:
        html_out, _ = _parse(source, 0, closing=None, depth=0)
    except _GiveUp:
        return html.escape(source)
    return html_out


class _GiveUp(Exception):
    pass


def _parse(source: str, index: int, *, closing: str | None, depth: int) -> tuple[str, int]:
    """Parse until ``closing`` (or the end); return (html, index after it)."""
    if depth > 20:
        raise _GiveUp
    out: list[str] = []
    while index < len(source):
        char = source[index]
        if closing is not None and char == closing:
            return "".join(out), index + 1
        if char in "^_":
            atom, index = _atom(source, index + 1, depth)
            tag = "sup" if char == "^" else "sub"
            out.append(f"<{tag}>{atom}</{tag}>")
            continue
        atom, index = _atom(source, index, depth)
        out.append(atom)
    if closing is not None:
        raise _GiveUp  # unbalanced braces
    return "".join(out), index


def _atom(source: str, index: int, depth: int) -> tuple[str, int]:
    """One unit: a {group}, a \\command (with its argument) or a single character."""
    if index >= len(source):
        return "", index
    char = source[index]
    if char == "{":
        return _parse(source, index + 1, closing="}", depth=depth + 1)
    if char == "}":
        raise _GiveUp
    if char == "\\":
        match = _COMMAND.match(source, index)
        if not match:
            return "\\", index + 1
        name = match[1]
        index = match.end()
        if name in {"mathbb", "mathcal", "mathscr", "mathfrak"}:
            argument, index = _raw_argument(source, index)
            table = BLACKBOARD if name == "mathbb" else CALLIGRAPHIC
            return "".join(table.get(c, html.escape(c)) for c in argument), index
        if name in TEXT_COMMANDS and not name.startswith(_ACCENTS):
            argument, index = _raw_argument(source, index)
            style = TEXT_COMMANDS[name]
            inner = html.escape(argument)
            return (f"<{style}>{inner}</{style}>" if style else inner), index
        if name in TEXT_COMMANDS:
            inner, index = _atom(source, _skip_space(source, index), depth + 1)
            style = TEXT_COMMANDS[name]
            return (f"<{style}>{inner}</{style}>" if style else inner), index
        if name == "frac":
            top, index = _atom(source, _skip_space(source, index), depth + 1)
            bottom, index = _atom(source, _skip_space(source, index), depth + 1)
            return f"({top})/({bottom})", index
        if name in SYMBOLS:
            return html.escape(SYMBOLS[name]), index
        return html.escape("\\" + name), index
    if char.isalpha():
        end = index + 1
        while end < len(source) and source[end].isalpha():
            end += 1
        return f"<i>{html.escape(source[index:end])}</i>", end
    if char == "~":
        return " ", index + 1
    return html.escape(char), index + 1


def _skip_space(source: str, index: int) -> int:
    while index < len(source) and source[index] == " ":
        index += 1
    return index


def _raw_argument(source: str, index: int) -> tuple[str, int]:
    index = _skip_space(source, index)
    if index < len(source) and source[index] == "{":
        end = source.find("}", index)
        if end < 0:
            raise _GiveUp
        return source[index + 1 : end], end + 1
    return source[index : index + 1], index + 1

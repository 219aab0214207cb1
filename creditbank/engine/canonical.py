"""The canonical JSON encoder of decisions and the reports made of their parts.

msgspec writes fields in declaration order, mappings in key order, decimals as their ``str``,
no spaces. Labels and rule references are pydantic models, which it does not know: it asks
:func:`_model_json` for them, some seventy times a decision, so this module is compiled with
the engine (``scripts/compile.py``): msgspec's call then runs compiled code, not an
interpreted frame.
"""

from __future__ import annotations

import msgspec

from creditbank.domain import Label
from creditbank.engine.trace import RuleRef

_MODEL_JSON: dict[int, tuple[object, msgspec.Raw]] = {}
"""The JSON of each label and rule reference met, by identity (the entry keeps the object
alive, so its id is not reused). Decisions share these few objects, taken from the rule set;
the bound (a few large rule sets' worth) keeps a long-running process from holding old ones."""
_MODEL_JSON_MAX = 20_000
PLAIN = msgspec.json.Encoder()
"""msgspec's JSON, nothing more (an input digest's parts)."""


def _model_json(value: object) -> msgspec.Raw:
    """A label (``zh`` then ``en``) or a rule reference (its id; the position is for people)
    as pydantic writes it; msgspec calls this for the types it does not know."""
    known = _MODEL_JSON.get(id(value))
    if known is not None:
        return known[1]
    if isinstance(value, Label):
        raw = msgspec.Raw(PLAIN.encode({"zh": value.zh, "en": value.en}))
    elif isinstance(value, RuleRef):
        raw = msgspec.Raw(PLAIN.encode({"id": value.id}))
    else:
        raise NotImplementedError(f"cannot serialise {type(value).__name__}")
    if len(_MODEL_JSON) >= _MODEL_JSON_MAX:
        _MODEL_JSON.clear()
    _MODEL_JSON[id(value)] = (value, raw)
    return raw


CANONICAL = msgspec.json.Encoder(
    enc_hook=_model_json, order="deterministic", decimal_format="string"
)
"""Fields in declaration order, mappings in key order, decimals as their ``str``, no spaces."""


def canonical_text(value: object) -> str:
    """``value`` (a decision, or a report made of its parts) as canonical JSON."""
    return CANONICAL.encode(value).decode()

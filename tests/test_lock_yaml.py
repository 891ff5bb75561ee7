"""The lockfile YAML emitter: whatever the strings, readers get back exactly the data."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from rees2conda.resolve.yamlout import dump

TRICKY = [
    "1.0", "2022.12.7", "yes", "No", "null", "~", "", "a: b", "a:b", "a #b", "#x", "-x", "*a",
    "&a", "!a", "%a", "@a", "'q'", '"q"', "x\ty", "é", "1e5", "0x1F", "1:20", "2001-12-14",
    ".inf", "<<", "=", "True", "12.2.0 h337968e_19", ">=3.8,<3.12", "python >=3.6", "a ",
    "rees2conda:pip:mine", "0" * 64, "a\nb", "__glibc", "1.2.*", "git+https://g/o/t@abc",
]  # fmt: skip


def roundtrip(data: dict) -> None:
    text = dump(data)
    assert yaml.safe_load(text) == data  # YAML 1.1 (conda-lock, PyYAML)
    assert YAML(typ="safe", pure=True).load(text) == data  # YAML 1.2


def test_tricky_scalars_roundtrip() -> None:
    roundtrip(
        {
            "version": 1,
            "metadata": {"content_hash": {"linux-64": "0" * 64}, "sources": [], "e": {}},
            "package": [
                {"name": t, "dependencies": {t: t} if t else {}, "x": False} for t in TRICKY
            ],
        }
    )


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20),
            st.text(max_size=20),
        ),
        max_size=5,
    )
)
def test_any_strings_roundtrip(pairs: list[tuple[str, str]]) -> None:
    roundtrip({"package": [{"name": k, "deps": {k: v}, "urls": [v, k]} for k, v in pairs]})

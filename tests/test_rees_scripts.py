"""What check says about postBuild and start: how to opt in (--trust), a start that never
hands over (R2C705), postBuild lines that conda or pip could do instead (R2C706)."""

from __future__ import annotations

from pathlib import Path

from rees2conda import check


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_scripts_say_how_to_opt_in(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        {
            "binder/environment.yml": "dependencies: [python=3.11]\n",
            "binder/postBuild": "#!/bin/bash\necho hi > data.txt\n",
            "binder/start": '#!/bin/bash\nexport A=1\nexec "$@"\n',
        },
    )
    report = check(repo)
    found = {f.code: f for f in report.findings}
    assert "--trust" in found["R2C701"].message and "--trust" in found["R2C701"].hint
    assert "--trust" in found["R2C702"].message
    assert "R2C705" not in found and "R2C706" not in found
    assert report.ok


def test_start_without_exec(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        {"requirements.txt": "", "start": "#!/bin/bash\nexport A=1\n\n# done\n"},
    )
    finding = next(f for f in check(repo).findings if f.code == "R2C705")
    assert (finding.path, finding.line) == ("start", 4)
    for ok in ('exec "$@"', 'exec "${@}"', "  exec $@  # hand over"):
        (tmp_path / "start").write_text(f"#!/bin/sh\n{ok}\n")
        assert "R2C705" not in {f.code for f in check(repo).findings}


def test_post_build_install_lines(tmp_path: Path) -> None:
    repo = _repo(
        tmp_path,
        {
            "environment.yml": "dependencies: [python=3.11]\n",
            "postBuild": (
                "#!/bin/bash\n"
                "set -ex\n"
                "pip install --no-cache-dir nltk==3.8 'tqdm>=4'\n"
                "  mamba install -y -c bioconda samtools\n"
                "pip install -r extra.txt\n"
                "pip install $PKG\n"
                "python -m pip install -U rich\n"
                "jupyter labextension install foo\n"
            ),
        },
    )
    found = [f for f in check(repo).findings if f.code == "R2C706"]
    assert [(f.line, f.column) for f in found] == [(3, 1), (4, 3), (7, 1)]
    assert "nltk==3.8, tqdm>=4 with pip" in found[0].message
    assert found[0].hint.endswith("nltk==3.8\ntqdm>=4")
    assert "environment.yml's dependencies (channels: bioconda)" in found[1].hint
    assert found[1].hint.endswith("  - samtools")
    assert "rich" in found[2].message

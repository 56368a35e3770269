"""Fitting the topic reader: the same corpus gives the same file, which loads and reads."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli import app
from baton.domain.topics import TOPIC_IDS, TopicModel, read_topic

pytest.importorskip("sklearn")
np = pytest.importorskip("numpy")

DATA = Path(__file__).resolve().parents[2] / "data" / "topics"


def _small_corpus(folder: Path) -> Path:
    # A few messages of every topic in every file: enough to fit, quick to fit.
    folder.mkdir()
    for source in sorted(DATA.glob("*.jsonl")):
        rows = [json.loads(line) for line in source.read_text(encoding="utf-8").splitlines()]
        kept = []
        for _topic, group in itertools.groupby(
            sorted(rows, key=lambda r: r["topic"]), key=lambda r: r["topic"]
        ):
            kept.extend(itertools.islice(group, 4))
        (folder / source.name).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), encoding="utf-8"
        )
    return folder


def test_train_writes_the_same_weights_twice_and_they_load(tmp_path: Path) -> None:
    data = _small_corpus(tmp_path / "corpus")
    runner = CliRunner()
    outs = [tmp_path / "a.npz", tmp_path / "b.npz"]
    for out in outs:
        result = runner.invoke(app, ["train", "topics", "--data", str(data), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "Cross-validated accuracy" in result.output
    assert outs[0].read_bytes() == outs[1].read_bytes()
    with np.load(outs[0], allow_pickle=False) as arrays:
        model = TopicModel.from_arrays({name: arrays[name] for name in arrays.files})
    assert model.topics == TOPIC_IDS
    assert read_topic(model, "I forgot my password").topic in TOPIC_IDS


def test_a_corpus_without_a_topic_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "corpus"
    data.mkdir()
    rows = [
        {
            "id": str(i),
            "lang": "en",
            "business": f"b{i % 5}",
            "text": f"refund {i}",
            "topic": "refund",
        }
        for i in range(20)
    ]
    (data / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "never.npz"
    result = CliRunner().invoke(app, ["train", "topics", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 1
    assert not out.exists()
    assert "no examples of" in result.output

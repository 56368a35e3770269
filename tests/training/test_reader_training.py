"""Fitting the reader: the same corpus gives the same file, and bad corpora are refused."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli import app
from baton.domain.reader import ReaderModel, read_labels

pytest.importorskip("sklearn")
np = pytest.importorskip("numpy")

from baton.training.reader import CorpusError, load_corpus, trust_bar  # noqa: E402

DATA = Path(__file__).resolve().parents[2] / "data" / "reader"


def _small_corpus(folder: Path) -> Path:
    folder.mkdir()
    for source in sorted(DATA.glob("*.jsonl")):
        with source.open(encoding="utf-8") as handle:
            lines = list(itertools.islice(handle, 120))
        (folder / source.name).write_text("".join(lines), encoding="utf-8")
    return folder


def test_train_writes_the_same_weights_twice_and_they_load(tmp_path: Path) -> None:
    data = _small_corpus(tmp_path / "corpus")
    runner = CliRunner()
    outs = [tmp_path / "a.npz", tmp_path / "b.npz"]
    for out in outs:
        result = runner.invoke(app, ["train", "reader", "--data", str(data), "--out", str(out)])
        assert result.exit_code == 0, result.output
        assert "Cross-validated" in result.output
    assert outs[0].read_bytes() == outs[1].read_bytes()
    with np.load(outs[0], allow_pickle=False) as loaded:
        model = ReaderModel.from_arrays({name: loaded[name] for name in loaded.files})
    read = read_labels(model, "I want to speak to a person right now")
    assert set(read) == {"explicit_request", "emotional", "complex_issue"}
    # the bars to act on the reader alone ship with the weights, never below the thresholds
    assert (model.bars >= model.thresholds).all()
    assert read["explicit_request"].bar == pytest.approx(float(model.bars[0]))


def test_the_trust_bar_is_where_precision_stays_high() -> None:
    y = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    p = np.array([0.95, 0.9, 0.8, 0.75, 0.7, 0.5, 0.3, 0.2])
    # from 0.8 up every message read is right; at 0.75 one in four is wrong
    assert trust_bar(y, p, 0.95, min_read=1) == pytest.approx(0.76)
    assert trust_bar(y, p, 0.7, min_read=1) == pytest.approx(0.51)
    # one confident mistake among the first few read does not decide the bar alone
    y = np.array([0, 1, 1, 1, 1, 0, 0, 0])
    assert trust_bar(y, p, 0.75, min_read=4) == pytest.approx(0.51)


def test_a_bad_line_is_named_and_nothing_is_written(tmp_path: Path) -> None:
    data = tmp_path / "corpus"
    data.mkdir()
    good = {"id": "1", "lang": "en", "business": "shop", "text": "hi", "labels": []}
    bad = {"id": "2", "lang": "en", "text": "hello", "labels": ["angry"]}
    (data / "a.jsonl").write_text(json.dumps(good) + "\n" + json.dumps(bad) + "\n")
    with pytest.raises(CorpusError, match=r"a\.jsonl:2"):
        load_corpus(data)
    out = tmp_path / "w.npz"
    result = CliRunner().invoke(app, ["train", "reader", "--data", str(data), "--out", str(out)])
    assert result.exit_code == 1
    assert "a.jsonl:2" in result.output
    assert not out.exists()

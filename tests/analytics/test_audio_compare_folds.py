"""Two fits compared on the same folds: the difference is paired by file and its interval
comes from pieces, not files."""

import json

import pytest

from bench.audio.compare_folds import load_hits, paired_difference


def _hits(results: dict[tuple[str, str, str], bool]) -> dict:
    return {
        (view, file): {"piece": piece, "acc1": float(hit), "acc2": 1.0} for (view, file, piece), hit in results.items()
    }


def test_identical_fits_differ_by_nothing():
    a = _hits({("corpus", f"f{i}", f"p{i % 7}"): i % 3 == 0 for i in range(40)})
    result = paired_difference(a, a, samples=500)
    assert result["all"]["acc1"]["difference"] == 0
    assert result["all"]["acc1"]["interval95"] == [0, 0]
    assert result["all"]["gained"] == result["all"]["lost"] == 0


def test_a_fit_better_on_every_piece_has_an_interval_above_zero():
    a = _hits({("corpus", f"f{i}", f"p{i // 6}"): i % 2 == 0 for i in range(60)})  # half of each piece
    b = _hits({key: True for key in [(v, f, a[(v, f)]["piece"]) for v, f in a]})
    result = paired_difference(a, b, samples=2000)
    assert result["all"]["acc1"]["difference"] == pytest.approx(0.5)
    assert result["all"]["acc1"]["interval95"][0] > 0
    assert result["all"]["acc1"]["share_not_better"] == 0
    assert (result["all"]["gained"], result["all"]["lost"]) == (30, 0)


def test_a_gain_carried_by_one_piece_is_not_called_significant():
    # 9 pieces of 4 files each; B fixes every file of one piece and nothing else. Per file that
    # looks like 4 of 36 with no loss; over pieces it is one piece in nine.
    a = _hits({("corpus", f"f{i}", f"p{i // 4}"): i >= 4 for i in range(36)})
    b = _hits({("corpus", f"f{i}", f"p{i // 4}"): True for i in range(36)})
    result = paired_difference(a, b, samples=4000)
    assert result["all"]["acc1"]["difference"] == pytest.approx(4 / 36, abs=1e-4)
    assert result["all"]["acc1"]["interval95"][0] == 0  # a draw without that piece gains nothing
    assert result["all"]["acc1"]["share_not_better"] > 0.2


def test_views_of_one_piece_are_drawn_together_and_reported_apart():
    a = _hits({("corpus", "f1", "p1"): False, ("swung", "f1", "p1"): True, ("corpus", "f2", "p2"): True})
    b = _hits({("corpus", "f1", "p1"): True, ("swung", "f1", "p1"): True, ("corpus", "f2", "p2"): True})
    result = paired_difference(a, b, samples=200)
    assert set(result) == {"corpus", "swung", "all"}
    assert result["corpus"]["acc1"]["difference"] == pytest.approx(0.5)
    assert result["swung"]["acc1"]["difference"] == 0


def test_several_fold_seeds_are_averaged_per_file(tmp_path):
    records = [
        [{"view": "corpus", "file": "f1", "piece": "p1", "acc1": hit, "acc2": True}] for hit in (True, False, True)
    ]
    paths = []
    for i, files in enumerate(records):
        paths.append(tmp_path / f"cv{i}.json")
        paths[-1].write_text(json.dumps({"config": {}, "files": files}))
    assert load_hits(paths)[("corpus", "f1")]["acc1"] == pytest.approx(2 / 3)


def test_fits_with_no_file_in_common_are_refused():
    with pytest.raises(ValueError, match="share no held-back file"):
        paired_difference(_hits({("a", "f", "p"): True}), _hits({("b", "f", "p"): True}))


def test_a_file_without_per_file_results_is_refused_with_what_writes_one(tmp_path):
    old_report = tmp_path / "old.json"
    old_report.write_text(json.dumps({"scores": {}, "misses": []}))
    with pytest.raises(SystemExit, match="tune.py --cv-out or evaluate.py --out"):
        load_hits([old_report])


def test_the_key_is_compared_on_the_key_labelled_files_only(tmp_path):
    """evaluate.py records a weighted key score where a set labels keys (the corpus) and none
    where it labels tempo only (the modules): "all" pairs the key over the first alone."""

    def report(key_scores: list[float]) -> dict:
        files = [
            {"view": "corpus", "file": f"f{i}", "piece": f"p{i}", "acc1": True, "acc2": True, "key": score}
            for i, score in enumerate(key_scores)
        ]
        files.append({"view": "modules", "file": "m1", "piece": "m1", "acc1": False, "acc2": True})
        return {"scores": {}, "files": files}

    (tmp_path / "a.json").write_text(json.dumps(report([1.0, 0.5, 0.3, 1.0])))
    (tmp_path / "b.json").write_text(json.dumps(report([1.0, 1.0, 1.0, 1.0])))
    result = paired_difference(load_hits([tmp_path / "a.json"]), load_hits([tmp_path / "b.json"]), samples=200)
    assert "key" not in result["modules"]
    assert result["all"]["files"] == 5
    assert result["all"]["key"]["a"] == pytest.approx(0.7, abs=1e-3)
    assert result["all"]["key"]["difference"] == pytest.approx(0.3)
    assert result["all"]["acc1"]["a"] == pytest.approx(0.8)

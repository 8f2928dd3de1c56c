"""The one SHA-256 check behind results folders and calibration folders (negotiate/digests.py):
the same walk, each folder kind with its own exception, wording and missing-file policy."""

import json

import pytest

from negotiate import digests
from negotiate.digests import Seal, check_files, check_self_digest, file_sha256, metadata_digest
from negotiate.errors import ResultsFileError
from negotiate.results import check as results_check
from negotiate.scenario.calibration import load_posterior


class Refused(Exception):
    pass


SEAL = Seal(Refused, verdict="not taken", causes="swapped")


def _folder(tmp_path):
    (tmp_path / "a.csv").write_text("a\n")
    (tmp_path / "b.csv").write_text("b\n")
    return {"a.csv": file_sha256(tmp_path / "a.csv"), "b.csv": file_sha256(tmp_path / "b.csv")}


def test_file_sha256_is_the_sha256_of_the_bytes(tmp_path):
    (tmp_path / "x").write_bytes(b"abc")  # FIPS 180-2's test vector
    assert file_sha256(tmp_path / "x") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"


def test_each_listed_file_is_checked_with_the_seals_exception_and_words(tmp_path):
    files = _folder(tmp_path)
    check_files(tmp_path, files, ["a.csv", "b.csv"], SEAL)
    (tmp_path / "b.csv").write_text("B\n")
    with pytest.raises(Refused, match=r"b\.csv: its content does not match the SHA-256 in "
                                      r"metadata.json \(swapped\); not taken"):
        check_files(tmp_path, files, ["a.csv", "b.csv"], SEAL)
    with pytest.raises(Refused, match="metadata.json: files has no hash for c.csv"):
        check_files(tmp_path, files, ["c.csv"], SEAL)


def test_a_missing_file_is_refused_unless_optional_but_a_present_optional_one_is_checked(tmp_path):
    files = _folder(tmp_path)
    (tmp_path / "b.csv").unlink()
    with pytest.raises(Refused, match=r"b\.csv: missing \(metadata.json lists it\)"):
        check_files(tmp_path, files, ["a.csv", "b.csv"], SEAL)
    check_files(tmp_path, files, ["a.csv"], SEAL, optional=["b.csv"])
    (tmp_path / "b.csv").write_text("B\n")
    with pytest.raises(Refused, match=r"b\.csv: its content does not match"):
        check_files(tmp_path, files, ["a.csv"], SEAL, optional=["b.csv"])


def test_the_self_digest_is_checked(tmp_path):
    meta = {"runs": 3}
    meta["metadata_sha256"] = metadata_digest(meta)
    check_self_digest(meta, tmp_path / "metadata.json", SEAL)
    meta["runs"] = 4
    with pytest.raises(Refused, match="metadata.json: edited after it was written .*; not taken"):
        check_self_digest(meta, tmp_path / "metadata.json", SEAL)


def _seen(monkeypatch):
    """Record each file the shared helper hashes (then let it check as usual)."""
    seen, real = [], digests._check_file
    monkeypatch.setattr(digests, "_check_file", lambda path, *a: (seen.append(path.name), real(path, *a)))
    return seen


def test_results_folders_go_through_the_shared_check_and_may_lack_no_file(tmp_path, monkeypatch):
    seen = _seen(monkeypatch)
    files = _folder(tmp_path)
    (tmp_path / "b.csv").unlink()
    with pytest.raises(ResultsFileError, match=r"b\.csv: missing .*"):
        results_check.check_files(tmp_path, {"files": files}, ["a.csv", "b.csv"])
    assert seen == ["a.csv", "b.csv"]


def test_calibration_folders_go_through_the_shared_check_and_may_lack_a_report(tmp_path, monkeypatch):
    seen = _seen(monkeypatch)
    (tmp_path / "posterior.csv").write_text("k\n0.5\n")
    (tmp_path / "cases.csv").write_text("case\n")
    meta = {"kind": "calibration", "knobs": [{"name": "k", "path": "bargaining.k", "low": 0, "high": 1}],
            "files": {"posterior.csv": file_sha256(tmp_path / "posterior.csv"),
                      "cases.csv": file_sha256(tmp_path / "cases.csv"), "figure.png": "0" * 64}}
    meta["metadata_sha256"] = metadata_digest(meta)
    (tmp_path / "metadata.json").write_text(json.dumps(meta))
    assert load_posterior(str(tmp_path)).names == ("k",)  # figure.png left out: accepted
    assert sorted(seen) == ["cases.csv", "posterior.csv"]
    (tmp_path / "cases.csv").write_text("edited\n")
    with pytest.raises(ValueError, match=r"cases\.csv: its content does not match the SHA-256 in "
                                         r"metadata.json \(edited, or copied from another calibration\); "
                                         "not used"):
        load_posterior(str(tmp_path))

"""Smart dispatch on real citizens' messages (teddy2020): held-out raw messages only."""

from __future__ import annotations

import importlib.util
import sys
from collections import Counter
from pathlib import Path

import pytest

from hotline.intel.dispatch import DispatchModel

REPO = Path(__file__).resolve().parents[2]
TEDDY = REPO / ".." / "shared" / "data" / "teddy2020"


def _split_module():
    spec = importlib.util.spec_from_file_location(
        "dispatch_teddy", REPO / "bench" / "dispatch_teddy.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_held_out_macro_f1_on_raw_messages() -> None:
    if not (TEDDY / "labeled_segmented.csv").exists():
        pytest.skip(f"teddy2020 data not found at {TEDDY.resolve()}")
    split = _split_module().teddy_split(TEDDY)
    assert split.report["test_messages"] > 700
    model = DispatchModel().fit(
        split.train_texts,
        split.train_labels,
        groups=split.train_groups,
        calibrate_on=split.train_raw,
    )
    found = model.evaluate(split.test_texts, split.test_labels)
    print({k: v for k, v in found.items() if k not in ("per_label", "curve")})
    print(split.report)
    assert found["macro_f1"] >= 0.90
    assert found["auto_accuracy"] >= 0.93
    # Real letters are long and many-sentenced: the screening must not take them for noise
    # or several matters (they are all from another province, which it may notice).
    kinds = Counter(model.suggest(text).abstain_kind for text in split.test_texts)
    print(kinds)
    assert kinds["junk"] + kinds["too_short"] + kinds["non_chinese"] == 0
    assert kinds["multi_matter"] <= 0.02 * len(split.test_texts)
    assert sum(n for kind, n in kinds.items() if kind) <= 0.12 * len(split.test_texts)

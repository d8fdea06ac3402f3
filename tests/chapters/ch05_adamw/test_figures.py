"""Chapter 5's λ slider inside the chart: one step per λ, each the worked runs at that λ."""

from __future__ import annotations

import json

import numpy as np

from chapters.ch05_adamw.figures import decay_drag_figure, summed_shares
from chapters.ch05_adamw.logic import BUSY, decay_runs


def test_each_lambda_step_carries_that_lambdas_summed_decay():
    wds = (0.001, 0.01, 0.1)
    runs = [decay_runs(10.0, 0.1, wd, False) for wd in wds]
    fig = decay_drag_figure(runs, ["0.001", "0.01", "0.1"], 1)
    slider = json.loads(fig.to_json())["layout"]["sliders"][0]
    assert [s["label"] for s in slider["steps"]] == ["0.001", "0.01", "0.1"]
    assert slider["active"] == 1
    for i, step in enumerate(slider["steps"]):
        data, layout, traces = step["args"]
        assert traces == [0, 1, 2, 3]
        expected = summed_shares(runs[i])
        for got, want in zip(data["y"], expected, strict=True):
            np.testing.assert_allclose(got, want, rtol=1e-3)
        # The title's totals are this λ's, not the server-side one's.
        last = expected[2][-1]
        assert f"AdamW: busy {last:.3g} %" in layout["annotations[0].text"]
        assert layout["title.text"].startswith(f"λ = {['0.001', '0.01', '0.1'][i]}:")
    assert len(fig.data[0].x) == len(runs[0][BUSY]["step"])

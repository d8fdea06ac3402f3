"""Many runs of one network at once: each run equals the same run trained alone with the
engine optimizer, row for row; divergence is frozen and labelled; training resumes in
chunks; bad set-ups are refused with a clear message."""

from __future__ import annotations

import pickle
import random

import numpy as np
import pytest

from engine import datasets, optimizers, run_axis, schedules, training
from engine.network import MAX_TRAINING_PARAMETERS, Network, run_params, stack_runs
from engine.training import Racer, Training, epoch_batch, train

# A rate per optimizer at which a 64-16-12-10 digits net trains; and a second, bolder one.
SANE_RATES = {
    "sgd": (0.3, 1.0),
    "momentum": (0.05, 0.2),
    "nesterov": (0.05, 0.2),
    "adagrad": (0.05, 0.2),
    "rmsprop": (3e-3, 1e-2),
    "adam": (3e-3, 1e-2),
    "adamw": (3e-3, 1e-2),
    "radam": (1e-2, 3e-2),
    "lamb": (1e-2, 3e-2),
    "lars": (1.0, 5.0),
    "adafactor": (0.05, 0.2),
    "lion": (1e-3, 3e-3),
    "sophia": (0.02, 0.05),
}


@pytest.fixture(scope="module")
def digits() -> datasets.Dataset:
    return datasets.digits()


@pytest.fixture(scope="module")
def small_net() -> Network:
    return Network(64, (16, 12), 10, "tanh")


def solo_run(net, data, racer, steps, batch_size, lr=None):
    """The racer trained alone with the engine's own Optimizer.step on single-net params."""
    hyper = dict(racer.hyperparams)
    if lr is not None:
        hyper["lr"] = lr
    opt = optimizers.make(racer.optimizer, **hyper)
    params = net.init(racer.seed)
    state = opt.init(params)
    losses = []
    for step in range(steps):
        batch = epoch_batch(data.n_train, batch_size, step, racer.seed)
        X, y = data.X_train[batch], data.y_train[batch]
        losses.append(net.loss(opt.lookahead(params, state), X, y))
        params, state = opt.step(params, lambda p, X=X, y=y: net.loss_and_grad(p, X, y)[1], state)
    return params, np.array(losses)


@pytest.mark.parametrize("name", ["lamb", "lars", "adafactor", "sophia"])
def test_run_axis_keeps_per_tensor_optimizers_per_run(name):
    """Three runs stacked on a leading axis step exactly as each run alone; the engine's
    Optimizer.step on the stacked leaves would not (its norms, RMS and probe span runs)."""
    rng = np.random.default_rng(0)
    runs = [{"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=3) * r} for r in (1, 2, 3)]
    target = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=3)}

    def gradient(value, goal, tensor_axes):
        # ½Σc(θ − t)² + ¼(Σθ)² per tensor: the coupling gives the Hessian off-diagonal
        # entries, so Sophia's Hutchinson estimate depends on its probe.
        spread = (value - goal) * (1 + np.abs(goal))
        return spread + 0.5 * value.sum(axis=tensor_axes, keepdims=True)

    def grads_of(p):
        return {k: gradient(v, target[k], None) for k, v in p.items()}

    def stacked_grads(p):
        return {
            k: gradient(v, target[k].reshape(v.shape[1:]), run_axis.tensor_axes(k))
            for k, v in p.items()
        }

    # Sophia with a large ρ, so that its steps are not all clipped and the Hessian counts.
    opt = optimizers.make(name, lr=0.05, **({"rho": 10.0} if name == "sophia" else {}))
    stacked = stack_runs(runs)
    state = run_axis.init_runs_state(opt, stacked)
    alone = [(p, opt.init(p)) for p in runs]
    for _ in range(12):
        stacked, state, _ = run_axis.step_runs(
            opt, stacked, stacked_grads(stacked), state, stacked_grads
        )
        alone = [opt.step(p, grads_of, st) for p, st in alone]
    for r, (p, _) in enumerate(alone):
        for k, v in p.items():
            np.testing.assert_allclose(run_params(stacked, r)[k], v, rtol=1e-13, atol=1e-15)
    # What run_axis exists for: whole-leaf stepping mixes the runs.
    mixed = stack_runs(runs)
    mixed_state = opt.init(mixed)
    for _ in range(12):
        mixed, mixed_state = opt.step(mixed, stacked_grads, mixed_state)
    assert not np.allclose(mixed["W1"], stacked["W1"], rtol=1e-6)


def test_runs_may_differ_in_float_hyperparameters_only():
    opt = run_axis.optimizer_for_runs("adam", [{"lr": 0.1}, {"lr": 0.2, "beta1": 0.8}])
    assert opt.hyperparams["lr"].shape == (2, 1, 1) and opt.hyperparams["beta2"] == 0.999
    assert opt.hyperparams["beta1"].ravel().tolist() == [0.9, 0.8]
    with pytest.raises(ValueError, match="bias_correction must be the same for every run"):
        run_axis.optimizer_for_runs("adam", [{}, {"bias_correction": False}])


def test_every_optimizer_batched_equals_its_single_runs_row_for_row(digits, small_net):
    """All 13 optimizers × 2 rates × 2 seeds, racers shuffled, advanced in two chunks."""
    racers = [
        Racer(name, {"lr": lr}, seed)
        for name in optimizers.NAMES
        for lr in SANE_RATES[name]
        for seed in (0, 1)
    ]
    random.Random(0).shuffle(racers)
    steps, batch = 23, 32  # 23 > Sophia's Hessian period, across an epoch boundary of 1438/32
    race = Training(small_net, digits, racers, batch, dtype=np.float64, eval_every=5)
    history = race.advance(9).advance(steps - 9).history()
    assert history.train_loss.shape == (steps, len(racers))
    for run, racer in enumerate(racers):
        params, losses = solo_run(small_net, digits, racer, steps, batch)
        got = race.racer_params(run)
        for name, value in params.items():
            np.testing.assert_allclose(got[name], value, rtol=1e-12, atol=1e-14, err_msg=racer)
        np.testing.assert_allclose(history.train_loss[:, run], losses, rtol=1e-12)


def test_every_optimizer_lowers_the_digits_loss_at_a_sane_rate(digits, small_net):
    racers = [Racer(name, {"lr": SANE_RATES[name][0]}) for name in optimizers.NAMES]
    race = Training(small_net, digits, racers, 64, eval_every=30)
    before = small_net.evaluate(race.params, digits.X_train.astype(np.float32), digits.y_train)[0]
    race.advance(30)
    after = small_net.evaluate(race.params, digits.X_train.astype(np.float32), digits.y_train)[0]
    history = race.history()
    assert not history.diverged.any()
    assert np.all(after < before - 0.1), dict(zip(optimizers.NAMES, after - before, strict=True))
    assert np.all(np.isfinite(history.val_loss)) and history.eval_steps.tolist() == [0, 30]


def test_float32_training_follows_float64(digits, small_net):
    racers = [Racer("adam", {"lr": 3e-3}), Racer("lamb", {"lr": 1e-2})]
    single = train(small_net, digits, racers, 20, 64, dtype=np.float32)
    double = train(small_net, digits, racers, 20, 64, dtype=np.float64)
    assert single.final_params["W1"].dtype == np.float32
    np.testing.assert_allclose(single.train_loss, double.train_loss, rtol=1e-4)


def test_racers_with_one_seed_share_start_and_batches(digits, small_net):
    racers = [Racer("sgd", {"lr": 0.1}), Racer("adam"), Racer("sgd", {"lr": 0.1}, seed=7)]
    race = Training(small_net, digits, racers, 32, dtype=np.float64)
    start = [race.racer_params(i) for i in range(3)]
    np.testing.assert_array_equal(start[0]["W1"], start[1]["W1"])
    assert not np.array_equal(start[0]["W1"], start[2]["W1"])
    history = race.advance(1).history()
    # Same start and batch: the first mini-batch loss is the same for the first two.
    assert history.train_loss[0, 0] == history.train_loss[0, 1] != history.train_loss[0, 2]


def test_epoch_batches_are_seeded_permutations_with_random_access():
    n, size = 100, 32  # 3 batches an epoch, 4 examples left out
    first_epoch = [epoch_batch(n, size, step, seed=3) for step in range(3)]
    seen = np.concatenate(first_epoch)
    assert len(set(seen.tolist())) == 96 and all(len(b) == size for b in first_epoch)
    np.testing.assert_array_equal(epoch_batch(n, size, 1, seed=3), first_epoch[1])
    assert not np.array_equal(epoch_batch(n, size, 3, seed=3)[:size], first_epoch[0])
    assert not np.array_equal(epoch_batch(n, size, 0, seed=4), first_epoch[0])
    full = epoch_batch(n, n, 5, seed=0)
    assert sorted(full.tolist()) == list(range(n))


def test_divergence_is_flagged_frozen_and_leaves_the_other_runs_alone(digits):
    net = Network(64, (32,), 10, "relu")
    racers = [Racer("sgd", {"lr": 1e6}), Racer("sgd", {"lr": 0.1}), Racer("sgd", {"lr": 1e308})]
    race = Training(net, digits, racers, 64, dtype=np.float64, eval_every=5)
    history = race.advance(20).history()
    lost, kept = history.diverged_at[0], history.diverged_at[1]
    assert 1 <= lost <= 20 and kept == -1  # lost: a loss 100 times that of guessing
    assert np.nanmax(history.train_loss[:, 0]) > 100 * np.log(10)
    # An update that overflows is lost at once, its weights left as they started.
    assert history.diverged_at[2] == 1 and np.isfinite(history.train_loss[0, 2])
    np.testing.assert_array_equal(race.racer_params(2)["W1"], net.init(0)["W1"])
    # Drawn up to the step it diverged, NaN after; weights frozen and finite.
    assert np.all(np.isnan(history.train_loss[lost:, 0]))
    assert np.all(np.isnan(history.update_ratio[lost - 1 :, 0]))
    assert all(np.all(np.isfinite(v[0])) for v in history.final_params.values())
    frozen = race.racer_params(0)
    race.advance(3)
    for name, value in race.racer_params(0).items():
        np.testing.assert_array_equal(value, frozen[name])
    # The healthy run is exactly what it would have been alone.
    params, losses = solo_run(net, digits, racers[1], 23, 64)
    np.testing.assert_allclose(race.racer_params(1)["W1"], params["W1"], rtol=1e-12)
    np.testing.assert_allclose(race.history().train_loss[:, 1], losses, rtol=1e-12)


def test_training_resumes_in_chunks_exactly(digits, small_net):
    racers = [Racer("momentum", {"lr": 0.05}), Racer("sophia"), Racer("nesterov")]
    whole = Training(small_net, digits, racers, 32, eval_every=4).advance(25).history()
    chunked = Training(small_net, digits, racers, 32, eval_every=4)
    for k in (1, 7, 0, 17):
        chunked.advance(k)
    parts = chunked.history()
    assert parts.steps == whole.steps == 25
    for field in ("train_loss", "grad_norm", "update_ratio", "val_loss", "eval_steps"):
        np.testing.assert_array_equal(getattr(parts, field), getattr(whole, field), err_msg=field)


def test_a_pickled_training_continues_where_it_stopped(digits, small_net):
    racers = [Racer("radam"), Racer("lion", {"lr": 1e-3})]
    schedule = schedules.make("cosine", 1.0, 30, warmup_steps=5)
    straight = Training(small_net, digits, racers, 32, schedule=schedule).advance(30)
    paused = Training(small_net, digits, racers, 32, schedule=schedule).advance(12)
    resumed = pickle.loads(pickle.dumps(paused)).advance(18)
    np.testing.assert_array_equal(resumed.history().train_loss, straight.history().train_loss)


def test_a_schedule_scales_every_racers_rate(digits, small_net):
    schedule = schedules.make("linear", 1.0, 10, warmup_steps=3)
    racer = Racer("sgd", {"lr": 0.5})
    race = Training(small_net, digits, [racer], 32, schedule=schedule, dtype=np.float64)
    history = race.advance(6).history()
    assert history.update_ratio[0, 0, :].tolist() == [0.0, 0.0, 0.0]  # warmup starts at rate 0
    rate = lambda step: 0.5 * float(schedule(step))  # noqa: E731
    params, _ = solo_run(small_net, digits, racer, 6, 32, lr=rate)
    np.testing.assert_allclose(race.racer_params(0)["W2"], params["W2"], rtol=1e-12)


def test_diagnostics_measure_what_they_say(digits, small_net):
    race = Training(small_net, digits, [Racer("sgd", {"lr": 0.2})], 32, dtype=np.float64)
    start = race.racer_params(0)
    history = race.advance(1).history()
    step = race.last_step(0)
    grads, updates = step["grads"], step["updates"]
    for layer in (1, 2, 3):
        w, b = f"W{layer}", f"b{layer}"
        grad_norm = np.sqrt(np.sum(grads[w] ** 2) + np.sum(grads[b] ** 2))
        assert history.grad_norm[0, 0, layer - 1] == pytest.approx(grad_norm, rel=1e-12)
        np.testing.assert_allclose(updates[w], -0.2 * grads[w], rtol=1e-12)
        weight_norm = np.sqrt(np.sum(start[w] ** 2) + np.sum(start[b] ** 2))
        expected_ratio = 0.2 * grad_norm / weight_norm
        assert history.update_ratio[0, 0, layer - 1] == pytest.approx(expected_ratio, rel=1e-12)
    assert history.layer_names == ["layer 1", "layer 2", "layer 3"]


def test_history_shapes_and_snapshots(digits, small_net):
    racers = training.sweep_racers(["sgd", "adam"], [0.01, 0.1], seeds=(0, 1))
    assert len(racers) == 8 and racers[0].name == "sgd lr=0.01"
    history = train(small_net, digits, racers, 12, 50, eval_every=5, snapshot_every=6)
    assert history.labels[0] == "sgd lr=0.01" and history.optimizers[-1] == "adam"
    assert history.train_accuracy.shape == (12, 8) and history.grad_norm.shape == (12, 8, 3)
    assert history.eval_steps.tolist() == [0, 5, 10] and history.val_accuracy.shape == (3, 8)
    assert sorted(history.snapshots) == [0, 6, 12]
    assert history.snapshots[12]["W1"].shape == (8, 64, 16)
    np.testing.assert_array_equal(history.snapshots[12]["W1"], history.final_params["W1"])
    assert np.all((history.train_accuracy >= 0) & (history.train_accuracy <= 1))


def test_a_plane_set_is_learned(small_net):
    data = datasets.circles(n_points=400, noise=0.0, seed=0)
    net = Network(2, (8, 8), 2, "tanh")
    history = train(net, data, [Racer("adam", {"lr": 0.03})], 300, 50, eval_every=100)
    assert history.val_accuracy[-1, 0] > 0.95


@pytest.mark.parametrize(
    "change, message",
    [
        ({"batch_size": 5000}, "a batch of 5000 examples does not fit.*1 to 1,438"),
        ({"batch_size": 0}, "a batch of 0 examples"),
        ({"racers": []}, "at least one racer"),
        ({"racers": [Racer("adamm")]}, "unknown optimizer 'adamm'"),
        ({"racers": [Racer("adam", {"lr": -1.0})]}, "lr must be ≥ 0"),
        ({"racers": [Racer("adam", {"lr": lambda s: 0.1})]}, "schedule to Training"),
        ({"network": Network(2, (8,), 2)}, "takes 2 inputs but digits has 64"),
        ({"network": Network(64, (8,), 3)}, "3 outputs but digits has 10 classes"),
        ({"eval_every": 0}, "eval_every"),
    ],
)
def test_bad_set_ups_are_refused_with_a_clear_message(digits, small_net, change, message):
    settings = {"network": small_net, "racers": [Racer("sgd")], "batch_size": 32, **change}
    with pytest.raises(ValueError, match=message):
        Training(
            settings["network"],
            digits,
            settings["racers"],
            settings["batch_size"],
            eval_every=change.get("eval_every", 10),
        )


def test_too_many_weights_or_activations_are_refused(digits):
    big = Network(64, (128, 128, 128), 10)
    runs = MAX_TRAINING_PARAMETERS // big.n_params + 1
    with pytest.raises(ValueError, match=f"at most {runs - 1} runs"):
        Training(big, digits, [Racer("sgd")] * runs, 32)
    with pytest.raises(ValueError, match="activations per step"):
        Training(big, digits, [Racer("sgd")] * 40, 1438)


def test_a_racers_float32_run_does_not_depend_on_the_other_racers(digits, small_net):
    alone = train(small_net, digits, [Racer("lamb", {"lr": 1e-2})], 15, 32)
    crowd = [Racer("sgd"), Racer("lamb", {"lr": 3e-2}), Racer("lamb", {"lr": 1e-2}), Racer("adam")]
    together = train(small_net, digits, crowd, 15, 32)
    np.testing.assert_array_equal(together.train_loss[:, 2], alone.train_loss[:, 0])
    np.testing.assert_array_equal(together.final_params["W2"][2], alone.final_params["W2"][0])


def test_a_step_interrupted_halfway_leaves_the_training_as_it_was(digits, small_net, monkeypatch):
    """Streamlit stops a script by raising inside it: the steps before stay, whole."""
    racers = [Racer("adam"), Racer("momentum"), Racer("lamb")]
    straight = Training(small_net, digits, racers, 32).advance(8).history()
    race = Training(small_net, digits, racers, 32)
    real_updates = run_axis.run_updates
    calls = []

    def stop_in_step_six_group_two(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5 * 3 + 2:
            raise KeyboardInterrupt
        return real_updates(*args, **kwargs)

    monkeypatch.setattr(run_axis, "run_updates", stop_in_step_six_group_two)
    with pytest.raises(KeyboardInterrupt):
        race.advance(8)
    assert race.step == 5 and race.history().train_loss.shape == (5, 3)
    monkeypatch.setattr(run_axis, "run_updates", real_updates)
    resumed = race.advance(3).history()
    np.testing.assert_array_equal(resumed.train_loss, straight.train_loss)
    np.testing.assert_array_equal(resumed.final_params["W1"], straight.final_params["W1"])

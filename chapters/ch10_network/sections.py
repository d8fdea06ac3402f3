"""Chapter 10's interactive sections: the set-up, the race with its Step / Play / Reset,
what each network learned, the optimizer's insides and the five claims.

The race is an :class:`engine.training.Training` kept in ``st.session_state``: Step and
Play advance it from where it stands, any change of set-up starts a new one, and a long
Play trains in committed chunks under a progress bar, so stopping it loses nothing.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import streamlit as st

from chapters.ch10_network import claims, figures, logic
from chapters.ch10_network.logic import PAGE, Setup
from engine import datasets, optimizers, schedules
from kit import charts, controls
from kit.controls import Action, action_buttons, page_state, persistent, step_play_reset
from kit.format import format_rate

STATE = page_state(PAGE)
STOP_KEY = "btn:stop"


def color_of(name: str) -> str:
    return optimizers.info(name).colour


def short(name: str) -> str:
    return optimizers.info(name).short_name


# --------------------------------------------------------------------------- set-up


def apply_link_preset() -> None:
    """A link from another chapter (``?setup=adam`` …) fills in its set-up once."""
    preset = st.query_params.get("setup")
    if preset not in logic.PRESETS or STATE.get("applied_preset") == preset:
        return
    for name, value in logic.PRESETS[preset].items():
        st.session_state[STATE.key(name)] = value
    STATE.set("applied_preset", preset)


def setup_panel() -> Setup | None:
    """The set-up widgets; returns the set-up, or None (with messages) when it cannot train."""
    apply_link_preset()
    data_col, net_col, train_col = st.columns(3, gap="medium")
    with data_col:
        st.markdown("**Data**")
        data = controls.choice(
            STATE,
            "data",
            "Data set",
            logic.DATA_NAMES,
            default="moons",
            format_func=lambda n: logic.DATA_TITLES[n],
        )
        noise = 0.0
        if data != "digits":
            noise = st.slider(
                "Noise",
                0.0,
                datasets.MAX_NOISE,
                0.1,
                0.05,
                help="0 to 0.5, as TensorFlow Playground's 0–50 % slider",
                **persistent(STATE, "noise"),
            )
        share = st.slider(
            "Validation share",
            0.1,
            0.5,
            0.3,
            0.05,
            format="%.2f",
            help="The part of the set kept aside to score each network, never trained on",
            **persistent(STATE, "validation"),
        )
    with net_col:
        st.markdown("**Network**")
        layers = controls.choice(STATE, "layers", "Hidden layers", [1, 2, 3], default=2)
        width = controls.option_slider(
            STATE, "width", "Units per hidden layer", logic.WIDTHS, default=16
        )
        activation = controls.choice(
            STATE,
            "activation",
            "Activation",
            ["tanh", "relu"],
            default="tanh",
            format_func=lambda a: {"tanh": "tanh", "relu": "ReLU"}[a],
        )
    with train_col:
        st.markdown("**Training**")
        batch = controls.number(
            STATE,
            "batch",
            "Batch size B",
            min_value=1,
            max_value=logic.BATCH_MAX,
            default=32,
            help="Examples per step. B equal to the training set is full-batch gradient descent.",
        )
        total = controls.number(
            STATE,
            "total",
            "Steps T",
            min_value=10,
            max_value=logic.MAX_STEPS,
            default=300,
            step=50,
            help="The length of the race (the schedule spans it)",
        )
        seed = controls.number(
            STATE,
            "seed",
            "Seed",
            min_value=0,
            max_value=9999,
            default=0,
            help="Picks the data, the initial weights and the order of the mini-batches",
        )
    racers = st.multiselect(
        "Racers (any of the 13 optimizers)",
        list(optimizers.NAMES),
        default=list(logic.DEFAULT_RACERS),
        format_func=short,
        **persistent(STATE, "racers"),
    )
    mode_col, sched_col, decay_col = st.columns(3, gap="medium")
    with mode_col:
        rate_mode = controls.choice(
            STATE,
            "rate_mode",
            "Learning rates",
            ["own", "fair"],
            default="own",
            format_func=lambda m: {"own": "My rates", "fair": "Fair: each at its best"}[m],
            help="Fair: every racer gets the rate that did best in a sweep on this very "
            "network and data (one batched pass; cached)",
        )
    with sched_col:
        schedule = st.selectbox(
            "Schedule (chapter 7)",
            list(schedules.NAMES),
            format_func=lambda n: schedules.info(n)["title"],
            **persistent(STATE, "schedule"),
        )
        warmup = st.slider("Warmup (% of T)", 0, 50, 0, 5, **persistent(STATE, "warmup"))
    with decay_col:
        decay = controls.option_slider(
            STATE,
            "weight_decay",
            "Weight decay λ (where the optimizer takes one)",
            logic.DECAYS,
            default=0.0,
            format_func=lambda v: "0" if v == 0 else f"{v:g}",
        )
    setup = Setup(
        data=data,
        noise=float(noise),
        validation_share=float(share),
        layers=int(layers),
        width=int(width),
        activation=activation,
        racers=tuple(racers),
        rates=tuple(logic.DEFAULT_RATES[n] for n in racers),
        batch_size=int(batch),
        total_steps=int(total),
        schedule=schedule,
        warmup_percent=int(warmup),
        weight_decay=float(decay),
        seed=int(seed),
    )
    if rate_mode == "own" and racers:
        with st.expander("Each racer's learning rate", expanded=False):
            columns = st.columns(3)
            rates = []
            for i, name in enumerate(racers):
                low, high, _ = optimizers.info(name).ranges["lr"]
                with columns[i % 3]:
                    rates.append(
                        controls.log_slider(
                            STATE,
                            f"lr:{name}",
                            f"{short(name)} η",
                            low=low,
                            high=high,
                            default=logic.DEFAULT_RATES[name],
                        )
                    )
        setup = dataclasses.replace(setup, rates=tuple(float(r) for r in rates))
    found = logic.problems(setup)
    for problem in found:
        st.error(problem, icon=":material/block:")
    if found:
        return None
    if rate_mode == "fair":
        setup = fair_setup(setup)
    return setup


@st.cache_data(max_entries=8, show_spinner=False)
def _fair_picks(base: Setup, names: tuple[str, ...], steps: int) -> dict:
    return logic.fair_sweep(base, names, steps)


def fair_setup(setup: Setup) -> Setup:
    """The set-up with each racer at its best rate from a sweep on this network."""
    steps = min(setup.total_steps, logic.CLAIM_STEPS)
    base = dataclasses.replace(setup, rates=())
    runs = len(setup.racers) * logic.FAIR_RATES_PER_OPTIMIZER
    with st.spinner(f"Sweeping {runs} runs ({logic.FAIR_RATES_PER_OPTIMIZER} rates per racer) …"):
        picks = _fair_picks(base, setup.racers, steps)
    rates, lines = [], []
    for name in setup.racers:
        pick = picks[name]
        if pick.rate is None:
            rates.append(logic.DEFAULT_RATES[name])
            lines.append(
                f"{short(name)}: every swept rate diverged, so it races at {format_rate(rates[-1])}"
            )
        else:
            rates.append(pick.rate)
            lines.append(f"{short(name)} {format_rate(pick.rate)}")
    st.caption(
        f"Fair rates: each racer's rate with the lowest validation loss after {steps} steps, "
        f"out of {logic.FAIR_RATES_PER_OPTIMIZER} spread over its slider range — "
        + "; ".join(lines)
        + "."
    )
    return dataclasses.replace(setup, rates=tuple(rates))


# --------------------------------------------------------------------------- the race


def current_training(setup: Setup):
    """The stored race if it was started with this set-up, else a new one at step 0."""
    stored = STATE.get("training")
    if stored is not None and STATE.get("training_setup") == setup:
        return stored
    try:
        training = logic.new_training(setup)
    except ValueError as err:
        st.error(str(err), icon=":material/block:")
        return None
    STATE.set("training", training)
    STATE.set("training_setup", setup)
    STATE.set("pending", 0)
    return training


def fairness_note(setup: Setup, training) -> str:
    data, net = training.dataset, training.network
    per_epoch = data.n_train // training.batch_size
    return (
        f"Every racer starts from the same {net.n_params:,} initial weights of a "
        f"{net.describe()} {setup.activation} network (seed {setup.seed}) and sees the same "
        f"mini-batches in the same order: {per_epoch:,} batches of {training.batch_size:,} per "
        f"epoch from the {data.n_train:,} training examples, reshuffled every epoch from the "
        f"same seed. {data.n_val:,} validation examples are never trained on."
    )


def race_controls(setup: Setup, training) -> None:
    """Step / Play / Train to T / Reset, acting on the stored race in callbacks."""

    def step() -> None:
        training.advance(logic.steps_left(training, setup.total_steps, 1))

    def play(n: int) -> None:
        STATE.set("pending", logic.steps_left(training, setup.total_steps, n))

    def reset() -> None:
        STATE.pop("training")
        STATE.set("pending", 0)

    actions = step_play_reset(
        step,
        lambda: play(logic.PLAY_STEPS),
        reset,
        play_steps=logic.PLAY_STEPS,
        helps=(
            "One update for every racer",
            f"{logic.PLAY_STEPS} more updates for every racer",
            "Back to step 0: the same initial weights, fresh optimizer buffers",
        ),
        step_primary=True,
    )
    to_end = Action(
        "Train to T",
        "to_end",
        lambda: play(setup.total_steps),
        ":material/fast_forward:",
        f"Train every racer to step {setup.total_steps} (with a progress bar; Stop keeps "
        "what was trained)",
    )
    action_buttons(STATE, [*actions[:2], to_end, actions[2]])


def train_pending(training, total_steps: int) -> None:
    """Train the steps Play asked for, chunk by chunk; each chunk is kept at once."""
    pending = int(STATE.get("pending", 0) or 0)
    if pending <= 0:
        return
    slot = st.empty()  # the Stop button and the bar go once training is done
    with slot.container():
        st.button(
            "Stop",
            key=STATE.key(STOP_KEY),
            icon=":material/stop:",
            on_click=lambda: STATE.set("pending", 0),
            help="Stop here; what was trained stays",
        )
        bar = st.progress(0.0, text=f"Training {pending} steps …")
    done = 0
    while pending > 0:
        chunk = min(logic.PROGRESS_CHUNK, pending)
        training.advance(logic.steps_left(training, total_steps, chunk))
        pending -= chunk
        done += chunk
        STATE.set("pending", pending)
        bar.progress(done / (done + pending), text=f"Step {training.step} of {total_steps}")
    slot.empty()


def memo(name: str, key, build):
    """A figure kept in the session until ``key`` changes (reruns that train nothing)."""
    stored = STATE.get(f"memo:{name}")
    if stored is not None and stored[0] == key:
        return stored[1]
    value = build()
    STATE.set(f"memo:{name}", (key, value))
    return value


def race_history(setup: Setup, training):
    """The race's records, read once per step (reruns that train nothing reuse them)."""
    return memo("history", (setup, training.step), training.history)


def race_section(setup: Setup):
    """The race: controls, training, curves and the results table. Returns the training."""
    training = current_training(setup)
    if training is None:
        return None
    st.info(fairness_note(setup, training), icon=":material/balance:")
    race_controls(setup, training)
    train_pending(training, setup.total_steps)
    history = race_history(setup, training)
    colors = [color_of(n) for n in setup.racers]
    key = (setup, training.step)
    left, right = st.columns(2)
    with left:
        charts.plotly_chart(
            memo("loss", key, lambda: figures.curve_figure(history, colors, metric="loss")),
            key=STATE.key("chart:loss"),
        )
    with right:
        charts.plotly_chart(
            memo("acc", key, lambda: figures.curve_figure(history, colors, metric="accuracy")),
            key=STATE.key("chart:accuracy"),
        )
    st.caption(
        "Bold: the validation set, scored every "
        f"{training.eval_every} steps. Faint: each step's own mini-batch."
    )
    st.markdown(logic.leader_sentence(history))
    st.dataframe(
        pd.DataFrame(logic.summary_rows(history, setup.rates)),
        hide_index=True,
        key=STATE.key("table:results"),
    )
    if training.step >= setup.total_steps:
        st.info(
            f"The race has reached T = {setup.total_steps} steps. Raise T above to train "
            "further (a new T starts a new race, since the schedule spans T).",
            icon=":material/flag:",
        )
    return training


# --------------------------------------------------------------------------- what was learned


def boundaries(setup: Setup, training, history) -> None:
    data, net = training.dataset, training.network
    frames_params = dict(history.snapshots or {})
    frames_params[training.step] = history.final_params

    def build():
        frames = []
        for step in sorted(frames_params):
            xs, ys, probs = logic.probability_grid(net, frames_params[step], data.bounds)
            frames.append((step, probs))
        return figures.boundary_figure(
            xs,
            ys,
            frames,
            data.X_train,
            data.y_train,
            history.labels,
            data.bounds,
            diverged_at=history.diverged_at,
        )

    fig = memo("boundary", (setup, training.step), build)
    charts.plotly_chart(fig, key=STATE.key("chart:boundary"))
    st.caption(
        "The ▶ buttons and the slider under the panels replay the boundaries over the "
        f"stored steps (every {training.snapshot_every}, and the current one). The dots are "
        "the training points."
    )


def digits_view(setup: Setup, training, history) -> None:
    data = training.dataset
    pick = st.selectbox(
        "Racer to inspect",
        list(range(len(setup.racers))),
        format_func=lambda r: history.labels[r],
        **persistent(STATE, "inspect"),
    )
    pick = min(int(pick or 0), len(setup.racers) - 1)
    params = training.racer_params(pick)
    predicted = training.network.predict(params, data.X_val)
    matrix = logic.confusion_matrix(data.y_val, predicted, data.n_classes)
    wrong = np.flatnonzero(predicted != data.y_val)
    label = history.labels[pick]
    left, right = st.columns(2)
    with left:
        charts.plotly_chart(
            figures.confusion_figure(matrix, label), key=STATE.key("chart:confusion")
        )
    with right:
        if wrong.size == 0:
            st.success(f"{label} classifies every validation digit right.")
        else:
            shown = wrong[:12]
            images = np.round(data.X_val[shown] * 16).reshape(-1, *data.image_shape)
            charts.plotly_chart(
                figures.misclassified_figure(images, data.y_val[shown], predicted[shown], label),
                key=STATE.key("chart:wrong"),
            )
            st.caption(
                f"{wrong.size} of {data.n_val} validation digits wrong "
                f"({wrong.size / data.n_val:.1%}); the first {shown.size} shown."
            )


def learned_section(setup: Setup, training, history) -> None:
    if training.dataset.name == "digits":
        digits_view(setup, training, history)
    else:
        boundaries(setup, training, history)


# --------------------------------------------------------------------------- inside


def spread_stats(setup: Setup, training, history, colors) -> list:
    """Quartiles of every adaptive racer's per-weight step sizes now."""
    stats = []
    factor = 1.0 if training.schedule is None else float(training.schedule(training.step - 1))
    for r, name in enumerate(setup.racers):
        if not logic.adaptive(name) or history.diverged_at[r] >= 0:
            continue
        spread = logic.effective_rate_spread(
            name,
            training.racer_state(r),
            setup.rates[r] * factor,
            logic.hyperparams(name, setup.rates[r], setup.weight_decay),
        )
        q = logic.quartiles(spread)
        if q:
            stats.append((history.labels[r], colors[r], q))
    return stats


def inside_section(setup: Setup, training, history) -> None:
    if history.steps == 0:
        st.info("Take a step first: these charts show what each step did.")
        return
    colors = [color_of(n) for n in setup.racers]
    key = (setup, training.step)
    charts.plotly_chart(
        memo(
            "ratio",
            key,
            lambda: figures.layer_figure(
                history, colors, kind="update_ratio", rule_of_thumb=logic.RULE_OF_THUMB
            ),
        ),
        key=STATE.key("chart:ratio"),
    )
    st.caption(
        "One colour per racer; solid line: layer 1, dashed: layer 2, dotted: layer 3 "
        "(layer 1 takes the inputs). The dashed grey line is the 10⁻³ rule of thumb."
    )
    st.markdown(logic.ratio_sentence(history))
    charts.plotly_chart(
        memo("grad", key, lambda: figures.layer_figure(history, colors, kind="grad_norm")),
        key=STATE.key("chart:grad"),
    )
    stats = memo("spread", key, lambda: spread_stats(setup, training, history, colors))
    if not stats:
        st.caption(
            "None of the racers gives each weight its own rate (AdaGrad, RMSProp, Adam and "
            "AdamW do): add one to see the spread of per-weight step sizes."
        )
        return
    charts.plotly_chart(
        memo("spread_fig", key, lambda: figures.spread_figure(stats, training.step)),
        key=STATE.key("chart:spread"),
    )
    widest = max(stats, key=lambda s: s[2]["max"] / max(s[2]["min"], 1e-300))
    st.markdown(
        f"One global η, many step sizes. Each weight's step is this factor times its "
        f"gradient (Adam: its averaged gradient m̂): {widest[0]}'s factors now run from {widest[2]['min']:.2g} to "
        f"{widest[2]['max']:.2g}, {widest[2]['max'] / widest[2]['min']:.3g} times apart. "
        "Weights with small past gradients get the big factors."
    )


# --------------------------------------------------------------------------- claims


@st.cache_data(max_entries=4, show_spinner=False)
def _forgiving(setup: Setup) -> dict:
    return claims.forgiving_experiment(setup)


@st.cache_data(max_entries=4, show_spinner=False)
def _adamw(setup: Setup, lam: float) -> dict:
    return claims.adamw_experiment(setup, lam)


@st.cache_data(max_entries=4, show_spinner=False)
def _warmup(setup: Setup, rate: float) -> dict:
    return claims.warmup_experiment(setup, rate)


@st.cache_data(max_entries=4, show_spinner=False)
def _batch(setup: Setup) -> dict:
    return claims.batch_experiment(setup)


@st.cache_data(max_entries=4, show_spinner=False)
def _lion(setup: Setup) -> dict:
    return claims.lion_experiment(setup)


def _verdict(verdict: claims.Verdict) -> None:
    if verdict.holds is True:
        st.success(verdict.text, icon=":material/check_circle:")
    elif verdict.holds is False:
        st.warning(verdict.text, icon=":material/help:")
    else:
        st.info(verdict.text, icon=":material/info:")


def _experiment(slug: str, label: str, run, key) -> dict | None:
    """A "Run this experiment" button; the result stays shown until the set-up changes."""
    stored = STATE.get(f"claim:{slug}")
    if st.button(label, key=STATE.key(f"btn:claim:{slug}"), icon=":material/science:"):
        with st.spinner("Training …"):
            stored = (key, run())
        STATE.set(f"claim:{slug}", stored)
    if stored is None or stored[0] != key:
        return None
    return stored[1]


def claims_section(setup: Setup) -> None:
    steps = min(setup.total_steps, logic.CLAIM_STEPS)
    base = dataclasses.replace(setup)
    experiment_colors = {
        "SGD": color_of("sgd"),
        "Momentum": color_of("momentum"),
        "Adam": color_of("adam"),
        "AdamW": color_of("adamw"),
        "Lion": color_of("lion"),
    }

    st.subheader("1 · Adam is forgiving about its learning rate")
    st.markdown(
        f"SGD, momentum and Adam each train at {len(claims.FORGIVING_GRID)} rates from "
        f"{claims.FORGIVING_GRID[0]:g} to {claims.FORGIVING_GRID[-1]:.3g} for {steps} steps "
        "(one batched pass). The *good band* is the run of rates within "
        f"{claims.GOOD_BAND:.0%} points of each one's best validation accuracy."
    )
    result = _experiment("forgiving", "Run this experiment", lambda: _forgiving(base), base)
    if result:
        names = {"sgd": "SGD", "momentum": "Momentum", "adam": "Adam"}
        charts.plotly_chart(
            figures.sweep_figure(
                result["rates"],
                {names[n]: v for n, v in result["accuracy"].items()},
                experiment_colors,
                y_title="validation accuracy",
                title="Validation accuracy by learning rate (shaded: each good band)",
                bands={names[n]: b for n, b in result["bands"].items()},
            ),
            key=STATE.key("chart:claim1"),
        )
        _verdict(result["verdict"])

    st.subheader("2 · AdamW beats Adam + L2 at the same λ")
    lam_col, _ = st.columns([1, 2])
    with lam_col:
        lam = controls.option_slider(
            STATE,
            "claim:lam",
            "λ for both",
            (0.001, 0.01, 0.1, 0.5),
            default=0.1,
            format_func=lambda v: f"{v:g}",
        )
    st.markdown(
        f"Adam with λθ added to the gradient, and AdamW with the decay applied to the weights "
        f"directly, both at Adam's rate η = {claims._rate_of(setup, 'adam'):g}, λ = {lam:g}, "
        f"for {steps} steps."
    )
    result = _experiment(
        "adamw", "Run this experiment", lambda: _adamw(base, float(lam)), (base, lam)
    )
    if result:
        history = result["history"]
        charts.plotly_chart(
            figures.curve_figure(history, [color_of("adam"), color_of("adamw")], metric="accuracy"),
            key=STATE.key("chart:claim2"),
        )
        _verdict(result["verdict"])

    st.subheader("3 · Warmup tames a high learning rate")
    rate_col, _ = st.columns([1, 2])
    with rate_col:
        rate = controls.option_slider(
            STATE,
            "claim:warm_rate",
            "Adam's high rate",
            (0.03, 0.1, 0.3, 1.0),
            default=0.1,
            format_func=lambda v: f"{v:g}",
        )
    st.markdown(
        f"Adam at η = {rate:g} for {steps} steps, once at a constant rate and once ramping up "
        f"over the first {max(1, round(claims.WARMUP_SHARE * steps))} steps. The spike is the "
        f"worst mini-batch loss in the first {claims.EARLY_SHARE:.0%} of the run, over the "
        "first step's."
    )
    result = _experiment(
        "warmup", "Run this experiment", lambda: _warmup(base, float(rate)), (base, rate)
    )
    if result:
        curves = {
            "constant η": result["histories"]["constant"].train_loss[:, 0],
            "with warmup": result["histories"]["warmup"].train_loss[:, 0],
        }
        charts.plotly_chart(
            figures.loss_pair_figure(
                curves,
                {"constant η": "#c53030", "with warmup": "#2f855a"},
                f"Adam at η = {rate:g}: training-batch loss with and without warmup",
            ),
            key=STATE.key("chart:claim3"),
        )
        _verdict(result["verdict"])

    st.subheader("4 · Batch size and noise")
    first = setup.racers[0]
    st.markdown(
        f"{optimizers.info(first).display_name} (the first racer) at its rate "
        f"{claims._rate_of(setup, first):g}, {steps} steps with batches of 8, 32 and the whole "
        "training set. The jitter is the spread of the batch loss around its 10-step moving "
        "average over the second half."
    )
    result = _experiment("batch", "Run this experiment", lambda: _batch(base), base)
    if result:
        sizes = sorted(result["histories"])
        shades = ("#c53030", "#dd6b20", "#2b6cb0")
        charts.plotly_chart(
            figures.loss_pair_figure(
                {f"B = {b:,}": result["histories"][b].train_loss[:, 0] for b in sizes},
                {f"B = {b:,}": c for b, c in zip(sizes, shades, strict=False)},
                f"{result['name']}: training-batch loss at three batch sizes",
            ),
            key=STATE.key("chart:claim4"),
        )
        _verdict(result["verdict"])

    st.subheader("5 · Lion: a smaller rate and half the memory of AdamW")
    st.markdown(
        f"AdamW and Lion each at {len(claims.LION_GRID)} rates from {claims.LION_GRID[0]:g} "
        f"to {claims.LION_GRID[-1]:g} for {steps} steps; the best is the lowest validation "
        "loss. Memory is counted from the buffers each optimizer allocates for this network."
    )
    result = _experiment("lion", "Run this experiment", lambda: _lion(base), base)
    if result:
        charts.plotly_chart(
            figures.sweep_figure(
                result["rates"],
                {{"adamw": "AdamW", "lion": "Lion"}[n]: v for n, v in result["val_loss"].items()},
                experiment_colors,
                y_title="validation loss",
                title="Validation loss by learning rate (gaps: diverged)",
            ),
            key=STATE.key("chart:claim5"),
        )
        _verdict(result["verdict"])

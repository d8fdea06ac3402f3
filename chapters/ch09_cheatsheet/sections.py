"""Chapter 9's interactive sections (the page script keeps the prose and the order): the
decision flowchart with its recommendation card, the chapter cards, the measured tuning
priority and the batch-size calculator."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import streamlit as st

from chapters.ch09_cheatsheet import figures
from chapters.ch09_cheatsheet.logic import (
    PAGE,
    SCHEDULE_CHAPTER,
    SENSITIVITY_FLOOR,
    SENSITIVITY_LANDSCAPES,
    Sensitivity,
    chapter_of,
    fmt_range,
    measure_sensitivity,
    recommendation_settings,
    scaled_rates,
    schedule_curve,
    schedule_words,
    state_bytes_per_weight,
    still_possible_sentence,
)
from chapters.ch09_cheatsheet.tree import (
    DecisionTree,
    Node,
    flow_figure_parts,
    load_cheatsheet,
    recipe_name,
)
from core.nav import chapter_score, score_text
from core.toc import CHAPTERS
from engine import landscapes, optimizers, schedules
from kit import charts, clicks, controls, palette
from kit.controls import page_state, persistent
from kit.format import fmt, format_rate, human_bytes, superscript
from kit.plots.memo import memo_figure

STATE = page_state(PAGE)


def current_node(tree: DecisionTree) -> str:
    """The node the learner has walked to (the root on a first visit or after a bad value)."""
    node = st.session_state.get(STATE.key("flow:node"))
    if node not in tree.nodes:
        node = tree.root
        st.session_state[STATE.key("flow:node")] = node
    return node


def _set_node(node_id: str) -> None:
    st.session_state[STATE.key("flow:node")] = node_id


def _on_answer(tree: DecisionTree, question: str, key: str) -> None:
    """A pill changed: go to the node its answer leads to, or back to the question."""
    answer = st.session_state.get(key)
    child = tree.child_for(question, answer) if answer else None
    _set_node(child or question)


def pick_from_flowchart(tree: DecisionTree, selection: Any) -> bool:
    """A click on the flowchart: go to the node clicked (a click on a line picks nothing).
    The chart always gets a fresh key afterwards, which drops the selection marks."""
    picked = clicks.pick_name(selection, list(tree.nodes), by_index=False)
    if picked is not None:
        _set_node(picked)
    return True


def flowchart() -> None:
    """The decision flowchart: click nodes or answer the questions; the card follows."""
    tree = load_cheatsheet().tree

    @st.fragment
    def body() -> None:
        ps = STATE
        node_id = current_node(tree)
        path = tree.path_to(node_id)
        nodes, edges = flow_figure_parts(tree)
        fig = memo_figure(figures.decision_tree_figure, nodes, edges, path=path, height=500)
        clicks.clickable_chart(
            ps, "flow", fig, lambda selection: pick_from_flowchart(tree, selection)
        )
        st.caption(
            "Diamonds are questions, circles are recommendations (in each optimizer's colour). "
            "Click any node to jump there; your path is drawn in red, the answers open at its "
            "end stay dark, the rest is faded. Each row reads: answer → where it leads."
        )
        left, right = st.columns([1, 1], gap="large")
        with left:
            st.markdown("**Your answers**")
            for depth, q in enumerate(p for p in path if tree.node(p).is_question):
                options = [tree.node(k).answer for k in tree.children[q]]
                key = ps.key(f"flow:answer:{q}")
                on_path = path.index(q) + 1 < len(path)
                st.session_state[key] = (
                    tree.node(path[path.index(q) + 1]).answer if on_path else None
                )
                st.pills(
                    f"{depth + 1}. {tree.node(q).question}",
                    options,
                    key=key,
                    on_change=_on_answer,
                    args=(tree, q, key),
                    wrap=True,
                )
            st.button(
                "Start over",
                key=ps.key("flow:restart"),
                icon=":material/restart_alt:",
                on_click=_set_node,
                args=(tree.root,),
                disabled=node_id == tree.root,
            )
        with right:
            node = tree.node(node_id)
            if node.is_question:
                reachable = tree.leaves(node_id)
                names = [recipe_name(tree.node(leaf).optimizer) for leaf in reachable]
                with st.container(border=True):
                    st.markdown(f"**Next question:** {node.question}")
                    st.caption(still_possible_sentence(names))
            else:
                recommendation_card(node)

    body()


def recommendation_card(node: Node) -> None:
    """Optimizer (linked to its chapter), learning rate, schedule (drawn), weight decay."""
    info = optimizers.info(node.optimizer)
    ch = next(c for c in CHAPTERS if c.number == chapter_of(node.optimizer))
    sched_ch = next(c for c in CHAPTERS if c.number == SCHEDULE_CHAPTER)
    color = palette.optimizer_color(node.optimizer)
    with st.container(border=True):
        st.markdown(
            f"<span style='color:{color};font-size:1.4em'>●</span> "
            f"<span style='font-size:1.25em'><b>{recipe_name(node.optimizer)}</b></span>"
            f" &nbsp;·&nbsp; {node.situation}",
            unsafe_allow_html=True,
        )
        st.page_link(ch.file, label=f"Chapter {ch.label}", icon=":material/menu_book:")
        lr_text = fmt_range(node.lr)
        if node.lr_first is not None:
            lr_text += f" (try {format_rate(node.lr_first, 'practice')} first)"
        if node.lr_note:
            lr_text += f"; {node.lr_note}"
        per_weight = state_bytes_per_weight(node.optimizer)
        st.markdown(
            f"**Peak learning rate** {lr_text}  \n"
            f"**Schedule** {schedule_words(node)}  \n"
            f"**Weight decay** {fmt_range(node.weight_decay)}"
            + "  \n"
            + "**Other settings** "
            + "; ".join(f"{k} {v}" for k, v in recommendation_settings(node))
            + "  \n"
            + f"**Optimizer state** {info.memory}: {human_bytes(per_weight)} per weight, "
            f"{human_bytes(per_weight * 1e9)} for a billion weights"
        )
        steps, rates = schedule_curve(node)
        title = schedules.info(node.schedule)["title"]
        fig = memo_figure(figures.schedule_card_figure, steps, rates, title, color)
        charts.plotly_chart(fig, config={"displayModeBar": False}, key=STATE.key("card:schedule"))
        st.caption(
            f"In PyTorch: `{schedules.torch_equivalent(node.schedule)}`"
            if node.warmup > 0
            else f"Schedule shape, as a fraction of the peak rate. More in chapter {sched_ch.number}."
        )
        st.markdown(f"**Why.** {node.why}")
        st.page_link(
            sched_ch.file,
            label=f"Schedules: chapter {sched_ch.label}",
            icon=":material/show_chart:",
        )


def chapter_cards(takeaways: Mapping[int, str]) -> None:
    """One card per chapter (0–8): title linking to the page, takeaway, quiz score."""
    shown = [ch for ch in CHAPTERS if ch.number in takeaways]
    for start in range(0, len(shown), 3):
        cols = st.columns(3, gap="small")
        for col, ch in zip(cols, shown[start : start + 3], strict=False):
            with col, st.container(border=True, height="stretch"):
                st.page_link(ch.file, label=ch.label, icon=ch.icon)
                st.markdown(takeaways[ch.number])
                score = chapter_score(ch.number)
                if score.total:
                    st.caption(f"Quiz: {score_text(score)}")


def sensitivity_section(ranges: Mapping[str, tuple[float, float]]) -> None:
    """Measured tuning priority: how far the final loss moves per swept hyperparameter."""

    @st.cache_data(show_spinner="Sweeping with the engine…", max_entries=32)
    def measured(landscape: str, steps: int, ranges_items: tuple) -> Sensitivity:
        return measure_sensitivity(landscape, steps, dict(ranges_items))

    @st.fragment
    def body() -> None:
        ps = STATE
        left, right = st.columns([2, 3], gap="medium")
        with left:
            landscape = controls.choice(
                ps,
                "sens:landscape",
                "Landscape",
                list(SENSITIVITY_LANDSCAPES),
                format_func=lambda n: landscapes.get(n).title,
            )
        with right:
            steps = st.slider(
                "Steps per run",
                min_value=50,
                max_value=1000,
                value=300,
                step=50,
                **persistent(ps, "sens:steps"),
            )
        result = measured(landscape, int(steps), tuple(sorted(ranges.items())))
        fig = memo_figure(
            figures.spread_figure,
            result.rows,
            floor=SENSITIVITY_FLOOR,
            title=f"AdamW on {landscapes.get(landscape).title}: final loss as each one is swept",
        )
        charts.plotly_chart(fig, config={"displayModeBar": False}, key=ps.key("sens:chart"))
        order = sorted(result.rows, key=lambda r: -result.decades(r.label))
        ranking = ", ".join(f"{r.label} {fmt(result.decades(r.label), 2)}" for r in order)
        others = ", ".join(r.label for r in result.rows[1:])
        st.markdown(
            f"Measured just now, {len(result.rows[0].values)} engine runs per row. The rate was "
            f"swept first with everything else at its default; the best rate found, "
            f"η = {format_rate(result.best_lr, 'practice')}, was then kept while {others} each swept their "
            f"typical range. Spread of the final loss, in powers of ten: {ranking}. "
            f"Largest here: **{order[0].label}**."
        )
        floor_text = "10" + superscript(round(math.log10(SENSITIVITY_FLOOR)))
        st.caption(
            "Each dot is one run (light: low end of the range, dark: high end). Losses below "
            f"{floor_text} count as at the minimum. Batch size, schedule and weight decay are "
            "left out: this toy has exact gradients and two weights, and on it weight decay "
            "would only pull the point off the minimum, while in a real network its job is to "
            "help the model generalise."
        )

    body()


def batch_scaling_calculator() -> None:
    """Rescale a learning rate for a new batch size, by the linear and square-root rules."""
    ps = STATE
    c1, c2, c3 = st.columns(3)
    with c1:
        base_lr = st.number_input(
            "Learning rate that works",
            min_value=0.0,
            value=3e-4,
            format="%g",
            **persistent(ps, "batch:lr"),
        )
    with c2:
        base_batch = st.number_input(
            "…at batch size",
            min_value=0,
            value=256,
            step=1,
            **persistent(ps, "batch:base"),
        )
    with c3:
        new_batch = st.number_input(
            "New batch size",
            min_value=0,
            value=4096,
            step=1,
            **persistent(ps, "batch:new"),
        )
    if base_lr <= 0 or not math.isfinite(base_lr):
        st.warning("Enter a learning rate above zero.")
        return
    if base_batch < 1 or new_batch < 1:
        st.warning("Batch sizes must be whole numbers of at least 1.")
        return
    rates = scaled_rates(base_lr, int(base_batch), int(new_batch))
    st.markdown(
        f"The batch grows by a factor of {fmt(rates['ratio'], 4)}. "
        f"**Linear rule** (SGD with momentum): η = {fmt(rates['linear'], 3)}. "
        f"**Square-root rule** (Adam-type, LAMB): η = {fmt(rates['sqrt'], 3)}."
    )
    if rates["ratio"] > 8:
        st.caption(
            "Either way, a jump this large needs a warmup, and beyond a few thousand examples "
            "per batch plain rules stop holding: that is where LARS and LAMB come in."
        )

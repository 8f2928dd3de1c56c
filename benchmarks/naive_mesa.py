"""A naive Mesa implementation of the bargaining model: the engine benchmark's reference.

This is the model of :mod:`negotiate.model` (docs/model.md) written the way a
typical Mesa user would write it: one :class:`mesa.Model` per run, one
:class:`mesa.Agent` per actor holding plain Python floats and lists, decisions
taken in Python loops (per actor, per issue, per proposer), the round logic in
``model.step()``, and runs driven by a plain loop (:func:`run_naive`).  Nothing
is vectorised: it is what the engine is timed against (``benchmarks/engine.py``)
and checked against (``tests/run/test_naive_reference.py``).

Every mechanism of the engine is here: the war step with events and leverage
drift, outright victory, truce regeneration, collapse and expiry, war and
truce values (a truce carrying the option of bargaining on), settlements that
may break down, reservation values with continuation values (random and
alternating recognition), the strategic proposer's segment search (the same
closed-form quadratic root, in scalar Python), compromise and Nash proposals,
the agenda choice, quantal responses and the classification of outcomes; talks
as a process (a calendar for settlement talks, drafting, ratification; truce
drafting, priced, with the plain truce as a candidate, and in some worlds a standstill
while a truce is drafted: the plain truce in force at once, its rounds priced at its value);
persistent stances, gains from the process and stalling (docs/model.md §17);
private resolve, screening offers and learning from refusals (docs/model.md §18);
political issues that follow the front in a war's end state (docs/model.md §4);
plain ceasefires outside the bargaining — humanitarian pauses, unilateral halts,
partial ones — and the ETH/PRIO type of the first ceasefire (docs/model.md, "Ceasefire
types: humanitarian pauses and unilateral halts").

Parameter draws come from the library (:func:`negotiate.model.params.draw_params`,
run ``i`` uses row ``i``), so a comparison is about simulating, not sampling.
The round-by-round shocks come from each run's own ``model.random``: single
runs differ from the engine's, the distribution of outcomes should not.
"""

from __future__ import annotations

import itertools
import math
from itertools import accumulate

import mesa
import numpy as np

from negotiate.model.calibrated import with_calibration
from negotiate.model.continuation import FixedPoint
from negotiate.model.outcomes import COMPREHENSIVE, CONDITIONAL, NONE, TEMPORARY, BlockResult
from negotiate.model.params import child, draw_params

WAR, IN_TRUCE, OVER = 0, 1, 2
TRUCE, SETTLEMENT = 0, 1
SHOCKS_KEY = 2      # child of the run seed for the per-run shock seeds (the library uses 0 and 1)
INF = math.inf
_FRESH = itertools.count()   # keys of the coalition segments' resumed-war fits


class World:
    """One run's scenario numbers as plain Python values (row ``i`` of the library's draws)."""

    def __init__(self, p, i: int):
        self.n_actors, self.n_issues = p.n_actors, p.n_issues
        self.status_quo = p.status_quo[i].tolist()
        self.truce_issue = p.truce_issue.tolist()
        self.binary = p.binary.tolist()
        self.threshold = p.threshold.tolist()
        self.controllers = p.controllers.tolist()        # [issue][actor]
        self.exponent, self.horizon = int(p.exponent), int(p.horizon)
        self.balance0, self.drift = float(p.balance0[i]), float(p.drift[i])
        self.volatility, self.lookahead = float(p.volatility[i]), int(p.lookahead)
        self.battlefield = int(p.battlefield)
        self.follows_front = p.follows_front[:, i].tolist()   # political issues a war's end moves
        self.events = [{"start": int(p.ev_start[e]), "end": int(p.ev_end[e]),
                        "drift": float(p.ev_drift[e, i]), "volatility": float(p.ev_vol[e, i]),
                        "jump": float(p.ev_jump[e, i]), "probability": float(p.ev_prob[e, i])}
                       for e in range(len(p.ev_start))]
        self.victory_upper, self.victory_lower = p.victory_upper, p.victory_lower
        self.victory_probability = p.victory_prob
        self.truce_length, self.regen_issue = int(p.truce_length), int(p.regen_issue)
        self.regeneration, self.residual = float(p.regeneration[i]), float(p.residual[i])
        self.cost_factor = float(p.cost_factor[i])
        self.hazard_scale, self.hazard_shape = float(p.hazard_scale[i]), p.hazard_shape
        self.hazard_effects = p.hazard_effects[:, i].tolist()
        self.settlement_hazard = float(p.settlement_hazard[i])
        self.ceasefires = [{"by": cf.by, "unilateral": cf.unilateral, "partial": cf.partial,
                            "share": float(cf.share[i]), "length": cf.length, "start": cf.start,
                            "end": cf.end, "probability": float(cf.probability[i]),
                            "pressure": cf.pressure[:, i].tolist(), "code": cf.code,
                            "exhaustion": cf.exhaustion[:, i].tolist()}
                           for cf in p.ceasefires]
        self.power_effects = p.power_effects[:, i].tolist()
        self.leverage = [{"by": lv.by, "target": lv.target, "kind": lv.kind,
                          "amount": float(lv.amount[i]), "start": lv.start, "end": lv.end,
                          "issue": lv.issue} for lv in p.leverage]
        self.recognition_mode = p.recognition_mode
        self.recognition = (p.recognition[i].tolist() if p.recognition_mode == "random"
                            else [int(a) for a in p.recognition])
        self.continuation, self.margin = p.continuation, p.margin
        self.iterations, self.first_iterations = p.iterations, p.first_iterations
        self.tolerance, self.noise_tolerance = p.tolerance, p.noise_tolerance
        # the issues each agenda moves: a truce its truce issues, a settlement everything
        self.moves = [list(self.truce_issue), [True] * self.n_issues]
        # decision rules (docs/model.md §19) as plain lists: per agenda None (unanimity) or
        # {"bodies": [{"members", "weights", "thresholds", "blocking"}], "vetoes"}
        self.rules = None if p.rules is None else [
            None if r is None else {
                "bodies": [{"members": b.members.tolist(), "weights": b.weights.tolist(),
                            "thresholds": b.thresholds.tolist(), "blocking": int(b.blocking)}
                           for b in r.bodies],
                "vetoes": r.vetoes.tolist()}
            for r in p.rules.agendas]
        # persistent stances of the responders (docs/model.md §17)
        self.stance_persistence = float(p.stance_persistence[i])
        # talks as a process: calendar, drafting, ratification (docs/model.md §15)
        self.talks, self.talks_open, self.talks_every = p.talks, int(p.talks_open[i]), p.talks_every
        self.drafting_base = float(p.drafting_base[i])
        self.drafting_per_issue = float(p.drafting_per_issue[i])
        self.ratification = [(int(a), float(p.ratify_prob[r, i])) for r, a in enumerate(p.ratify_actor)]
        self.settle_after_truce = p.settle_after_truce
        # truce drafting (docs/model.md §15): rounds before an accepted truce is in force
        self.truce_drafting = bool(p.truce_drafting)
        self.truce_draft_base = float(p.truce_draft_base[i])
        self.truce_draft_per_condition = float(p.truce_draft_per_condition[i])
        self.truce_standstill = bool(p.truce_standstill[i])   # a plain ceasefire while drafted
        # red lines (docs/model.md §16); the bounds themselves are the actors'
        self.red_lines, self.red_follows = bool(p.red_lines), bool(p.red_follow[:, i].any())
        self.red_erodes = bool(p.red_erodes)   # bounds give way after rounds at war
        # private resolve (docs/model.md §18): who is private, its prior, how fighting teaches
        self.private = [bool(v) for v in p.private]
        self.any_private = any(self.private)
        self.resolve_learning = [float(v) for v in p.resolve_learning]
        self.resolve_cutoffs, self.resolve_prior = int(p.resolve_cutoffs), list(p.resolve_prior)
        self.resolve_lo, self.resolve_hi = [float(v) for v in p.resolve_lo], [float(v) for v in p.resolve_hi]


def ndtr(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)


def evaluate(coef, lam: float) -> float:
    c0, c1, c2 = coef
    return c0 + lam * (c1 + lam * c2)


def smallest_acceptable(coef, need: float, tol: float = 1e-12) -> float:
    """Smallest λ in [0, 1] with c0 + c1 λ + c2 λ² ≥ need (inf if none): a quadratic root."""
    a, b, c = coef[2], coef[1], coef[0] - need
    if c >= -tol:
        return 0.0
    if abs(a) <= 1e-14:  # linear
        cands = [-c / b if b != 0 else INF]
    else:
        disc = b * b - 4.0 * a * c
        if disc < -tol:
            return INF
        root = math.sqrt(max(disc, 0.0))
        q = -0.5 * (b + (root if b >= 0 else -root))
        cands = [q / a, c / q if q != 0 else INF]
    ok = [min(max(r, 0.0), 1.0) for r in cands if -tol <= r <= 1.0 + tol]
    return min(ok) if ok else INF


def fit_quadratic(v0: float, vh: float, v1: float):
    """Coefficients of the quadratic in λ through the values at λ = 0, ½, 1."""
    return v0, -3.0 * v0 + 4.0 * vh - v1, 2.0 * (v0 - 2.0 * vh + v1)


def solve(h, b):
    """Solve h x = b by Gaussian elimination with partial pivoting (small systems)."""
    n = len(b)
    m = [list(row) + [b[r]] for r, row in enumerate(h)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            for k in range(col, n + 1):
                m[r][k] -= f * m[col][k]
    x = [0.0] * n
    for r in reversed(range(n)):
        x[r] = (m[r][n] - sum(m[r][k] * x[k] for k in range(r + 1, n))) / m[r][r]
    return x


class Actor(mesa.Agent):
    """One scenario actor in one run: plain floats and lists."""

    def __init__(self, model, p, a: int, i: int):
        super().__init__(model)
        w = model.world
        self.index, self.name, self.role = a, p.actor_names[a], p.roles[a]
        self.is_party = bool(p.is_party[a])
        self.ideal, self.salience = p.ideal[a, i].tolist(), p.salience[a, i].tolist()
        self.capability, self.patience = float(p.capability[a, i]), float(p.patience[a, i])
        self.noise, self.optimism = float(p.noise[a, i]), float(p.optimism[a, i])
        self.war_cost, self.strategy = float(p.war_cost[a, i]), p.strategies[a]
        # gains from the process, stalling, stance (docs/model.md §17)
        self.process_gain = float(p.process_gain[a, i])
        self.insincere_until = float(p.insincere_until[a, i])   # stalls in rounds t ≤ this
        self.insincere_truces = bool(p.insincere_truces[a, i])
        self.stance = None
        self.may_propose = [bool(v) for v in p.agendas[a]]
        self.signs = [bool(v) for v in p.signs[a]]    # will sign a truce / a settlement at all
        # red lines (docs/model.md §16): bounds per issue (±inf: none), and how far they follow the front
        self.red_low, self.red_high = p.red_low[a, i].tolist(), p.red_high[a, i].tolist()
        self.red_follow = p.red_follow[a, i].tolist()
        # ... and after how many rounds at war each gives way (inf: never)
        self.red_give_low, self.red_give_high = p.red_give_low[a, i].tolist(), p.red_give_high[a, i].tolist()
        self.red_on = p.red_on[a].tolist()          # [agenda][issue]: the bound holds there
        bf, sq = w.battlefield, w.status_quo
        off_front = [d for d in range(w.n_issues) if d != bf]
        self.sq_loss_other = sum(self.loss(d, sq[d]) for d in off_front if not w.truce_issue[d])
        self.sq_loss_truce = sum(self.loss(d, sq[d]) for d in off_front if w.truce_issue[d])
        self.bf_salience = self.salience[bf] if bf >= 0 else 0.0
        self.bf_ideal = self.ideal[bf] if bf >= 0 else 0.0
        self.fade = self.patience ** w.lookahead
        # share of a settlement's value that survives its breakdown hazard h
        d, h = self.patience, w.settlement_hazard
        self.survival = (1.0 - d) / (1.0 - d + d * h) if 1.0 - d + d * h > 0 else 1.0
        self.u_victory = (0.0, 0.0)   # set by the model once every actor exists
        self._war_values = {}         # war_value by (balance, belief, victories)
        self.resumed, self.settled = {}, {}   # per round: resumed-war fits, settlement values

    # --- utility ---------------------------------------------------------------------
    def loss(self, d: int, value: float) -> float:
        gap = abs(value - self.ideal[d])
        return self.salience[d] * (gap * gap if self.model.world.exponent == 2 else gap)

    def utility(self, y) -> float:
        return 1.0 - sum(self.loss(d, v) for d, v in enumerate(y))

    def truce_loss(self, y) -> float:
        truce = self.model.world.truce_issue
        return sum(self.loss(d, v) for d, v in enumerate(y) if truce[d])

    # --- war and truce values --------------------------------------------------------
    def war_value(self, balance: float, belief: float | None = None,
                  victories: bool = True) -> float:
        """Fight on for H rounds at the believed drift, then live with where the front is
        (``victories=False``: without outright wins, as proposers plan resumed wars)."""
        # a function of its arguments and the actor's fixed numbers: kept, as the same
        # fronts are valued again and again within a round
        key = (balance, self.belief if belief is None else belief, victories)
        if not self.model.memo:
            return self._war_value(*key)
        value = self._war_values.get(key)
        if value is None:
            value = self._war_values[key] = self._war_value(*key)
        return value

    def _war_value(self, balance: float, belief: float, victories: bool) -> float:
        w = self.model.world
        H, sal = w.lookahead, self.bf_salience
        mean = clip01(balance + belief * H)
        gap_end, gap_now = abs(mean - self.bf_ideal), abs(balance - self.bf_ideal)
        if w.exponent == 2:
            var = min(w.volatility ** 2 * H, mean * (1.0 - mean))
            loss_end, loss_now = gap_end * gap_end + var, gap_now * gap_now
        else:
            loss_end, loss_now = gap_end, gap_now
        base = 1.0 - self.sq_loss_other - self.sq_loss_truce
        end = base - sal * loss_end
        # political issues that follow the front end at clip(sq + w·(m − b)) (docs/model.md §4)
        for d, follow in enumerate(w.follows_front):
            if follow:
                sq = w.status_quo[d]
                e = clip01(sq + follow * (mean - balance))
                spread = min(follow * follow * var, e * (1.0 - e)) if w.exponent == 2 else 0.0
                end += self.loss(d, sq) - (self.loss(d, e) + self.salience[d] * spread)
        if victories and w.victory_probability > 0:
            sd = max(w.volatility * math.sqrt(H), 1e-12)
            strike = 1.0 - (1.0 - w.victory_probability) ** (H / 2.0)
            p_high = ndtr((mean - w.victory_upper) / sd) * strike
            p_low = ndtr((w.victory_lower - mean) / sd) * strike
            u_high, u_low = self.u_victory
            end = (1.0 - p_high - p_low) * end + p_high * u_high + p_low * u_low
        fade = self.fade
        # talks going on while fighting are worth process_gain a round: a negative war cost
        cost = self.war_cost - self.process_gain if self.process_gain else self.war_cost
        return base - (1.0 - fade) * (sal * loss_now + cost) + fade * (end - base)

    def truce_flow(self, balance: float, rounds: int):
        """Flow while a truce holds (before its terms' loss), and δ^rounds."""
        w = self.model.world
        frozen = 0.0
        if not (w.battlefield >= 0 and w.truce_issue[w.battlefield]):
            gap = abs(balance - self.bf_ideal)
            frozen = self.bf_salience * (gap * gap if w.exponent == 2 else gap)
        flow = 1.0 - frozen - self.sq_loss_other - w.cost_factor * self.war_cost
        return flow, self.patience ** rounds

    def truce_value(self, truce_loss: float, balance: float, arms: float, rounds: int) -> float:
        flow, fade = self.truce_flow(balance, rounds)
        after = self.war_value(self.model.regenerated(balance, rounds, arms))
        return (1.0 - fade) * (flow - truce_loss) + fade * after

    def settlement_value(self, y) -> float:
        """A settlement that may break down: α·u + (1 − α)·W', W' the war resuming from
        the agreed line with the drift shifted by the agreed terms' power effects."""
        w = self.model.world
        if w.settlement_hazard <= 0:
            return self.utility(y)
        # proposers judge the same packages again and again in a round (screening, sweeps)
        if not self.model.memo:
            return self._settlement_value(y)
        key = (tuple(y), self.model.balance, self.belief)
        value = self.settled.get(key)
        if value is None:
            value = self.settled[key] = self._settlement_value(y)
        return value

    def _settlement_value(self, y) -> float:
        u, w = self.utility(y), self.model.world
        line = y[w.battlefield] if w.battlefield >= 0 else self.model.balance
        extra = sum(v * e for v, e in zip(y, w.power_effects))
        resumed = self.war_value(line, self.belief + extra)
        return self.survival * u + (1.0 - self.survival) * resumed

    def package_value(self, y, agenda: int, proposer: int) -> float:
        """Value of a package ``proposer`` puts forward on ``agenda``; a new truce lasts
        its full length, and talks go on while it holds (the option of bargaining on)."""
        if agenda == SETTLEMENT:
            return self.settlement_value(y)
        m = self.model
        r = m.world.regen_issue
        arms = y[r] if r >= 0 else 0.0
        value = self.truce_value(self.truce_loss(y), m.balance, arms, m.world.truce_length)
        return m.with_option(value, self.index, proposer)

    def priced_value(self, y, agenda: int, proposer: int) -> float:
        """A package's value as answered: a drafted truce is in force only after D rounds of
        war (or of a standstill), (1 − δ^D)·M + δ^D·V, M the value of those rounds
        (:meth:`prepare_round`; docs/model.md §15, "Truce drafting")."""
        value = self.package_value(y, agenda, proposer)
        m = self.model
        if agenda == SETTLEMENT or not m.world.truce_drafting:
            return value
        fade = self.patience ** m.truce_drafting_rounds(m.conditions(y))
        return (1.0 - fade) * self.meanwhile + fade * value

    def prepare_round(self, drift: float) -> None:
        """This round's belief, status value, the value of the rounds a truce is drafted
        and the pieces of a new truce's value."""
        m, w = self.model, self.model.world
        self.belief = drift + self.optimism
        self.resumed, self.settled = {}, {}
        if m.phase == IN_TRUCE:
            terms = [m.truce_terms.get(d, w.status_quo[d]) for d in range(w.n_issues)]
            remaining = max(m.truce_len - m.truce_age, 1)
            loss = self.truce_loss(terms)
            self.status = self.truce_value(loss, m.balance, m.truce_arms(), remaining)
        else:
            self.status = self.war_value(m.balance)
        # the rounds a truce is drafted: war (the status value), or where the front stands
        # still meanwhile, the plain truce (truce terms at status quo) in force at once,
        # before the option of talks (docs/model.md §15, "Standstill while drafting")
        self.meanwhile = self.status
        if w.truce_drafting and w.truce_standstill:
            plain = w.status_quo
            arms = plain[w.regen_issue] if w.regen_issue >= 0 else 0.0
            self.meanwhile = self.truce_value(self.truce_loss(plain), m.balance, arms, w.truce_length)
        L = w.truce_length
        self.flow, self.fade_truce = self.truce_flow(m.balance, L)
        v0, vh, v1 = (self.war_value(m.regenerated(m.balance, L, arms)) for arms in (0.0, 0.5, 1.0))
        self.after_truce = fit_quadratic(v0, vh, v1)

    def value_along(self, segment, agenda: int, proposer: int):
        """This actor's value along a proposer's segment, as (c0, c1, c2) in λ."""
        l0, l1, l2 = segment["loss"][self.index]
        if agenda == SETTLEMENT:
            if segment["resume"] is None:
                return 1.0 - l0, -l1, -l2
            # a settlement that may break down, with the resumed war fitted through λ = 0, ½, 1
            # (the same all round: kept until the next round)
            key = segment.get("key", id(segment))
            if key not in self.resumed:
                balance = self.model.balance
                self.resumed[key] = fit_quadratic(*(
                    self.war_value(balance if line is None else line, self.belief + extra,
                                   victories=False)
                    for line, extra in segment["resume"]))
            w0, w1, w2 = self.resumed[key]
            keep = self.survival
            return (keep * (1.0 - l0) + (1 - keep) * w0, keep * -l1 + (1 - keep) * w1,
                    keep * -l2 + (1 - keep) * w2)
        fade, keep = self.fade_truce, 1.0 - self.fade_truce
        w0, w1, w2 = self.after_truce
        a0, da = segment["arms0"], segment["arms_step"]
        t0 = keep * (self.flow - l0) + fade * (w0 + w1 * a0 + w2 * a0 * a0)
        t1 = -keep * l1 + fade * (w1 * da + 2.0 * w2 * a0 * da)
        t2 = -keep * l2 + fade * w2 * da * da
        # talks go on during the truce: v + f·max(0, P − v), fitted through λ = 0, ½, 1
        f = self.model.option[self.index][proposer]
        hope = self.model.proposer_value[self.index]
        values = [evaluate((t0, t1, t2), lam) for lam in (0.0, 0.5, 1.0)]
        return fit_quadratic(*(v + f * max(0.0, hope - v) for v in values))

    # --- proposing --------------------------------------------------------------------
    def offers(self):
        """(y, feasible, own) on each agenda; with truce drafting, the truce priced for its
        delay: plans for m = 0..M conditions (needs raised for D(m)) that carry the m they
        were planned for, and the plain truce, the best feasible once priced (docs/model.md §15)."""
        m, w = self.model, self.model.world
        if not w.truce_drafting:
            return self.planned_offers()
        M = sum(w.truce_issue)
        candidates = []
        for assumed in range(M + 1):
            m.delay_conditions = assumed
            candidates.append((assumed, self.planned_offers()))
        m.delay_conditions = 0
        settlement = candidates[0][1][SETTLEMENT]
        plain = self.judge(list(w.status_quo), TRUCE)
        m.delay_conditions = None
        candidates.append((0, [plain, settlement]))
        best, best_priced, fallback = None, -INF, None
        for assumed, plan in candidates:
            y, feasible, own = plan[TRUCE]
            if own != -INF:   # compared on exact values, as the engine does
                own = self.package_value(y, TRUCE, self.index)
            rounded = [round(v) if w.binary[d] else v for d, v in enumerate(y)]
            fade = self.patience ** m.truce_drafting_rounds(m.conditions(rounded))
            priced = (1.0 - fade) * self.meanwhile + fade * own
            if assumed == M and fallback is None:
                fallback = (y, False, priced)
            if feasible and m.conditions(rounded) == assumed and priced > best_priced:
                best, best_priced = (y, True, priced), priced
        return [best if best is not None else fallback, settlement]

    def planned_offers(self):
        """(y, feasible, own) on each agenda, by this actor's strategy."""
        if self.strategy == "strategic":
            return [self.strategic_offer(g) for g in (TRUCE, SETTLEMENT)]
        m = self.model
        packages = m.compromise if self.strategy == "compromise" else m.nash_packages()
        if m.world.red_lines:   # clipped into the red lines, then judged
            packages = [m.clip_to_red_lines(packages[g], self.index, g) for g in (TRUCE, SETTLEMENT)]
        return [self.judge(packages[g], g) for g in (TRUCE, SETTLEMENT)]

    def strategic_offer(self, g: int):
        """Closest acceptable package along the segments toward the other veto players."""
        m = self.model
        binding = [j for j in range(m.world.n_actors) if m.veto[g][j] and j != self.index]
        if m.world.red_lines and m.red_box(self.index, g)[2]:   # no package inside the red lines
            return list(self.segments[g][0]["start"]), False, -INF
        choice = None
        segments = self.segments[g]
        if m.world.rules is not None and m.world.rules[g] is not None:   # §19
            binding, segments = self.coalition_segment(g)
        for k, seg in enumerate(segments):
            coefs = {j: m.actors[j].value_along(seg, g, self.index) for j in binding}
            lam = 0.0
            for j in binding:
                lam = max(lam, smallest_acceptable(coefs[j], m.need_of(j, self.index, g)))
            finite = lam != INF
            lam = lam if finite else 1.0
            feasible = finite and all(evaluate(coefs[j], lam) >= m.need_of(j, self.index, g) - 1e-9
                                      for j in binding)
            own = evaluate(self.value_along(seg, g, self.index), lam)
            if k == 0 or (feasible and (not choice[1] or own > choice[2])):
                choice = (lam, feasible, own, seg)
        lam, feasible, own, seg = choice
        y = [s + lam * dl for s, dl in zip(seg["start"], seg["delta"])]
        binary = m.world.binary
        if not any(binary):
            return y, feasible, own
        # binary issues are settled rounded: judge the rounded offer, and if no one
        # would take it, the one that gives the binary issues to the target's side
        first = self.judge(y, g)
        if first[1]:
            return first
        target = [s + dl for s, dl in zip(seg["start"], seg["delta"])]
        second = self.judge([round(t) if binary[d] else y[d] for d, t in enumerate(target)], g)
        return second if second[1] else first

    def coalition_segment(self, g: int):
        """The cheapest winning coalition and the one segment toward its ideals, each weighted
        by salience × what it lacks at the proposer's ideal (docs/model.md §19)."""
        m, w = self.model, self.model.world
        first = self.segments[g][0]
        cost = {}
        for j in range(w.n_actors):
            if m.veto[g][j] and j != self.index:
                if g == SETTLEMENT:
                    value = 1.0 - first["loss"][j][0]
                else:
                    value = evaluate(m.actors[j].value_along(first, g, self.index), 0.0)
                cost[j] = m.need_of(j, self.index, g) - value if m.actors[j].signs[g] else INF
        chosen = m.coalition(g, self.index, cost)
        lacking = [j for j in chosen if cost[j] > 0]
        weight = {j: (cost[j] if j in lacking else 0.0) if lacking else 1.0 for j in chosen}
        start = first["start"]
        lo, hi = (m.red_box(self.index, g)[:2] if w.red_lines
                  else ([-INF] * w.n_issues, [INF] * w.n_issues))
        end = []
        for d in range(w.n_issues):
            wsum = sum(weight[j] * m.actors[j].salience[d] for j in chosen)
            mean = (sum(weight[j] * m.actors[j].salience[d] * m.actors[j].ideal[d] for j in chosen) / wsum
                    if wsum > 0 else start[d])
            end.append(min(max(mean if w.moves[g][d] else w.status_quo[d], lo[d]), hi[d]))
        delta = [e - s0 for e, s0 in zip(end, start)]
        r = w.regen_issue
        seg = {"start": start, "delta": delta, "arms0": start[r] if r >= 0 else 0.0,
               "arms_step": delta[r] if r >= 0 else 0.0,
               "loss": [m._loss_along(a, start, delta, g) for a in m.actors],
               "resume": m._resumed_wars(start, delta) if g == SETTLEMENT else None,
               "key": ("coalition", next(_FRESH))}   # a fresh dict each call: never reuse a fit
        return sorted(chosen), [seg]

    def judge(self, y, g: int):
        """A fixed package: does every veto player accept it, and what is it worth to me."""
        m = self.model
        y = [round(v) if m.world.binary[d] else v for d, v in enumerate(y)]
        values = [actor.package_value(y, g, self.index) for actor in m.actors]
        feasible = all(values[j] >= m.need_of(j, self.index, g) - 1e-9
                       for j in range(m.world.n_actors) if m.veto[g][j] and j != self.index)
        rule = m.world.rules[g] if m.world.rules is not None else None
        if rule is not None:   # a winning set of ayes suffices (§19)
            ayes = {j for j in range(m.world.n_actors) if m.veto[g][j] and j != self.index
                    and m.actors[j].signs[g] and values[j] >= m.need_of(j, self.index, g) - 1e-9}
            outside = [j for j in range(m.world.n_actors) if j != self.index and m.unanimity[g][j]
                       and not m.votes_in(rule, j)]
            feasible = all(j in ayes for j in outside) and m.passes(rule, ayes, self.index)
        if m.world.red_lines:   # past someone's red line: refused whatever its value
            lo, hi, _ = m.red_box(self.index, g)
            feasible = feasible and all(lo[d] - 1e-9 <= v <= hi[d] + 1e-9 for d, v in enumerate(y))
        return y, feasible, values[self.index]

    def choose_agenda(self, offers, allowed):
        """The agenda whose acceptable offer I like best (-1: none), and my value of proposing."""
        m = self.model
        me = self.index
        reservation = m.reservation[me][me]
        score, willing = [], []
        for g in (TRUCE, SETTLEMENT):
            _, feasible, own = offers[g]
            open_ = allowed[g] and self.may_propose[g]
            open_ = open_ and not (m.world.red_lines and m.red_box(me, g)[2])
            content = (not m.veto[g][me]) or own >= reservation - 1e-12
            willing.append(own if open_ and content else -INF)
            score.append(own if feasible and open_ and content else -INF)
        best = 0 if score[0] >= score[1] else 1
        if score[best] != -INF:
            return best, score[best]
        # no acceptable offer: the one it would still sign (noise may carry it), else none
        if willing[0] == -INF and willing[1] == -INF:
            return -1, reservation
        return (0 if willing[0] >= willing[1] else 1), reservation

    # --- responding -----------------------------------------------------------------------
    def respond(self, value: float, bonus: float, reservation: float, agenda: int = SETTLEMENT,
                t: int = 0) -> bool:
        """Quantal response: accept iff u + bonus + τ·ε ≥ R, ε standard logistic: a fresh
        draw, or the logistic quantile of Φ(stance) where stances persist.  A stalling actor
        says no to any settlement (and to truces if it stalls them too)."""
        if self.model.world.stance_persistence > 0:
            z = self.stance
            shock = math.log(ndtr(z)) - math.log(ndtr(-z))
        else:
            u = self.model.random.random()
            while u == 0.0:
                u = self.model.random.random()
            shock = math.log(u) - math.log1p(-u)
        if self.stalls(agenda, t) or not self.signs[agenda]:
            return False
        return value + bonus + self.noise * shock >= reservation - 1e-12

    def stalls(self, agenda: int, t: int) -> bool:
        """Does this actor refuse (or not propose) ``agenda`` in round t only to stall?"""
        return t <= self.insincere_until and (agenda == SETTLEMENT or self.insincere_truces)

    def move_stance(self) -> None:
        """z_t = ρ z_{t−1} + √(1 − ρ²) η_t, z_1 = η_1 (η standard normal)."""
        rho, eta = self.model.world.stance_persistence, self.model.random.gauss(0.0, 1.0)
        self.stance = eta if self.stance is None else rho * self.stance + math.sqrt(1.0 - rho * rho) * eta


class NaiveNegotiation(mesa.Model):
    """One run (world) of the bargaining model; ``step()`` is one round."""

    def __init__(self, params, world: int, *, seed: int, memo: bool = False):
        super().__init__(seed=seed)
        # memo: keep values that are asked for again and again (war values, settlement values,
        # red-line boxes), exactly as computed.  Off by default: the benchmarks time the model as
        # a typical Mesa user writes it; the cross-check tests turn it on to stay within budget.
        self.memo = memo
        self.world = w = World(params, world)
        for a in range(params.n_actors):
            Actor(self, params, a, world)
        self.actors = sorted(self.agents, key=lambda actor: actor.index)
        A, D = w.n_actors, w.n_issues
        self.veto = [[actor.is_party or any(w.moves[g][d] and w.controllers[d][actor.index]
                                            for d in range(D))
                      for actor in self.actors] for g in (TRUCE, SETTLEMENT)]
        self.unanimity = [list(row) for row in self.veto]
        if w.rules is not None:   # a rule's voters are asked; members lose their own veto
            for g, rule in enumerate(w.rules):
                if rule is not None:
                    for j in range(A):
                        self.veto[g][j] = (self.veto[g][j] or rule["vetoes"][j]
                                           or any(b["members"][j] for b in rule["bodies"]))
        self._set_victory_utilities()
        self._red_boxes = {}   # red_box per (front shift, proposer, agenda)
        for actor in self.actors:
            if actor.strategy == "strategic":
                actor.segments = [self._segments(actor, g) for g in (TRUCE, SETTLEMENT)]
        self.compromise = self._compromise_packages()
        self.round, self.balance, self.phase = 0, w.balance0, WAR
        self.truce_age, self.truce_terms = 0, {}
        self.truce_len, self.unilateral = w.truce_length, False   # the truce in force
        self.partial_until, self.partial_share = 0, 0.0           # a partial ceasefire
        self.ceasefire = -1                                       # type of the first ceasefire
        self.fought = 0                                           # rounds of war fought
        self._fought_then = 0                                     # ... when bounds were last checked
        self.happens = [self.random.random() < e["probability"] for e in w.events]
        self.proposer_value = None
        self.outcome, self.agreement_round, self.truce_round = NONE, 0, 0
        self.collapsed, self.truces, self.proposer, self.victory = False, 0, -1, 0
        self.terms = [math.nan] * D
        self.offered = [[0, 0] for _ in range(A)]
        self.accepted = [[0, 0] for _ in range(A)]
        self.first_accept = [0] * A
        self.unconverged = 0   # rounds whose continuation values missed the tolerance
        self.last = None
        self.sign_round, self.pending = 0, None   # a settlement being drafted: due round, (proposer, terms)
        self.truce_due, self.pending_truce = 0, None   # a truce being drafted: due round, (proposer, terms)
        self.standing_still = False    # ... under a plain ceasefire meanwhile
        self.first_pending = False     # ... and it is the run's first truce
        self.stood_still, self.conditions_round = False, 0   # the first truce's (record())
        self.principle_round = 0   # the round anything was first agreed in principle (§12)
        self.delay_conditions = None   # while planning a drafted truce: the conditions it assumes
        self.ratification_failures = 0
        # the public belief [lo, hi] about each private actor's war cost (docs/model.md §18)
        self.belief_lo, self.belief_hi = list(w.resolve_lo), list(w.resolve_hi)
        self.screen_cut = None   # while proposers screen: the cutoff type of each actor

    # --- set-up ----------------------------------------------------------------------------
    def _set_victory_utilities(self) -> None:
        """If the high (low) side wins, the party with the highest (lowest) ideal on the
        front imposes its ideal settlement (truce issues stay at status quo)."""
        w = self.world
        if w.battlefield < 0:
            return
        parties = [a for a in self.actors if a.is_party]
        high = max(parties, key=lambda a: a.ideal[w.battlefield])     # first of equals, as argmax
        low = min(parties, key=lambda a: a.ideal[w.battlefield])
        imposed = [[w.status_quo[d] if w.truce_issue[d] else winner.ideal[d]
                    for d in range(w.n_issues)] for winner in (high, low)]
        for actor in self.actors:
            actor.u_victory = (actor.utility(imposed[0]), actor.utility(imposed[1]))

    def _segments(self, proposer, g: int):
        """Segments from the proposer's ideal toward the salience-weighted ideal of the other
        veto players and toward each of theirs, with every actor's loss along each in λ."""
        w, D = self.world, self.world.n_issues
        others = [a for a in self.actors if self.veto[g][a.index] and a is not proposer]
        mean = []
        for d in range(D):
            wsum = sum(a.salience[d] for a in others)
            mean.append(sum(a.salience[d] * a.ideal[d] for a in others) / wsum if wsum > 0
                        else proposer.ideal[d])
        start = [(proposer.ideal[d] if proposer.salience[d] > 0 else mean[d]) if w.moves[g][d]
                 else w.status_quo[d] for d in range(D)]
        segments = []
        for target in [mean] + [a.ideal for a in others]:
            target = [target[d] if w.moves[g][d] else w.status_quo[d] for d in range(D)]
            delta = [target[d] - start[d] for d in range(D)]
            s = start
            if w.red_lines:
                s, delta = self._clipped_segment(start, delta, proposer.index, g)
            r = w.regen_issue
            segments.append({"start": s, "delta": delta,
                             "arms0": s[r] if r >= 0 else 0.0,
                             "arms_step": delta[r] if r >= 0 else 0.0,
                             "loss": [self._loss_along(a, s, delta, g) for a in self.actors],
                             "resume": (self._resumed_wars(s, delta) if g == SETTLEMENT
                                        else None)})
        return segments

    # --- red lines (docs/model.md §16) -----------------------------------------------------------
    def red_bounds(self, actor):
        """The actor's red lines now, (low, high) per issue: a bound that follows the front
        moves by w·(b_t − b_0); a bound whose time is up (rounds fought ≥ its give-way time)
        is gone."""
        shift = getattr(self, "balance", self.world.balance0) - self.world.balance0
        fought = getattr(self, "fought", 0)
        low = [-INF if fought >= give else lo + w * shift
               for lo, w, give in zip(actor.red_low, actor.red_follow, actor.red_give_low)]
        high = [INF if fought >= give else hi + w * shift
                for hi, w, give in zip(actor.red_high, actor.red_follow, actor.red_give_high)]
        return low, high

    def red_box(self, proposer: int, g: int):
        """(lo, hi, empty): the intersection of the proposer's red lines and those of the
        agenda's veto players, on the agenda's issues (±inf elsewhere).  It depends only on
        the front's shift from b_0 (the bounds and veto players are fixed for the run), so it
        is kept per shift: the proposers ask for it many times a round (callers only read it)."""
        if not self.memo:
            return self._red_box(proposer, g)
        shift = getattr(self, "balance", self.world.balance0) - self.world.balance0
        key = (shift, getattr(self, "fought", 0), proposer, g)
        box = self._red_boxes.get(key)
        if box is None:
            box = self._red_boxes[key] = self._red_box(proposer, g)
        return box

    def gave_way(self) -> bool:
        """Did some bound give way this round (rounds fought reached its time just now)?"""
        if not self.world.red_erodes or self.fought == self._fought_then:
            return False
        then, self._fought_then = self._fought_then, self.fought
        return any(then < give <= self.fought
                   for actor in self.actors for give in actor.red_give_low + actor.red_give_high)

    def _red_box(self, proposer: int, g: int):
        w = self.world
        lo, hi = [-INF] * w.n_issues, [INF] * w.n_issues
        for actor in self.actors:
            if not (self.veto[g][actor.index] or actor.index == proposer):
                continue
            low, high = self.red_bounds(actor)
            for d in range(w.n_issues):
                if w.moves[g][d] and actor.red_on[g][d]:
                    lo[d], hi[d] = max(lo[d], low[d]), min(hi[d], high[d])
        return lo, hi, any(a > b for a, b in zip(lo, hi))

    def clip_to_red_lines(self, y, proposer: int, g: int):
        lo, hi, _ = self.red_box(proposer, g)
        return [min(max(v, lo[d]), hi[d]) for d, v in enumerate(y)]

    def _clipped_segment(self, start, delta, proposer: int, g: int):
        """Both ends clipped into the red-line box; an issue whose ends stay keeps its step."""
        lo, hi, _ = self.red_box(proposer, g)
        new_start, new_delta = [], []
        for d, (s, dl) in enumerate(zip(start, delta)):
            end = s + dl
            cs, ce = min(max(s, lo[d]), hi[d]), min(max(end, lo[d]), hi[d])
            new_start.append(cs)
            new_delta.append(dl if (cs == s and ce == end) else ce - cs)
        return new_start, new_delta

    def crosses_red_line(self, actor, y, agenda: int) -> bool:
        """Does package y put an issue the agenda moves outside the actor's red lines?"""
        low, high = self.red_bounds(actor)
        return any(self.world.moves[agenda][d] and actor.red_on[agenda][d]
                   and not (low[d] - 1e-9 <= v <= high[d] + 1e-9) for d, v in enumerate(y))

    def _resumed_wars(self, start, delta):
        """Where a broken settlement at λ = 0, ½, 1 leaves the war: (line, extra drift);
        the line is the agreed battlefield term (None: the front as it then stands)."""
        w = self.world
        if w.settlement_hazard <= 0:
            return None
        out = []
        for lam in (0.0, 0.5, 1.0):
            y = [s + lam * d for s, d in zip(start, delta)]
            line = y[w.battlefield] if w.battlefield >= 0 else None
            out.append((line, sum(v * e for v, e in zip(y, w.power_effects))))
        return out

    def _loss_along(self, actor, start, delta, g: int):
        """Actor's loss along start + λ·delta as (l0, l1, l2); a truce counts its issues only."""
        w = self.world
        issues = [d for d in range(w.n_issues) if g == SETTLEMENT or w.truce_issue[d]]
        if w.exponent == 2:
            gaps = {d: start[d] - actor.ideal[d] for d in issues}
            return (sum(actor.salience[d] * gaps[d] * gaps[d] for d in issues),
                    2.0 * sum(actor.salience[d] * gaps[d] * delta[d] for d in issues),
                    sum(actor.salience[d] * delta[d] * delta[d] for d in issues))
        v0, vh, v1 = (sum(actor.salience[d] * abs(start[d] + lam * delta[d] - actor.ideal[d])
                          for d in issues) for lam in (0.0, 0.5, 1.0))
        return fit_quadratic(v0, vh, v1)

    def _compromise_packages(self):
        """Capability × salience weighted mean of all positions, on each agenda's issues."""
        w = self.world
        point = []
        for d in range(w.n_issues):
            weights = [a.capability * a.salience[d] for a in self.actors]
            total = sum(weights)
            weighted = sum(wt * a.ideal[d] for wt, a in zip(weights, self.actors))
            point.append(weighted / total if total > 0 else w.status_quo[d])
        return [[point[d] if w.moves[g][d] else w.status_quo[d] for d in range(w.n_issues)]
                for g in (TRUCE, SETTLEMENT)]

    # --- war and truce -------------------------------------------------------------------------
    def active_events(self, t: int):
        return [(e, on) for e, on in zip(self.world.events, self.happens)
                if e["start"] <= t <= e["end"]]

    def drift_now(self, t: int) -> float:
        drift = self.world.drift
        drift += sum(e["drift"] * on for e, on in self.active_events(t))
        for lev in self.world.leverage:
            if lev["kind"] == "war_drift" and lev["start"] <= t <= lev["end"]:
                drift += lev["amount"]
        return drift

    def regenerated(self, balance: float, rounds: int, arms: float) -> float:
        """The front drifts toward 0.5 during a truce, less so when arms are halted."""
        w = self.world
        rate = w.regeneration * (1.0 - (1.0 - w.residual) * arms)
        gap = balance - 0.5
        sign = (gap > 0) - (gap < 0)
        return balance - sign * min(abs(gap), rate * rounds)

    def truce_arms(self) -> float:
        return self.truce_terms.get(self.world.regen_issue, 0.0)

    def fight(self, t: int) -> None:
        w = self.world
        active = self.active_events(t)
        volatility = w.volatility + sum(e["volatility"] * on for e, on in active)
        balance = self.balance + self.drift_now(t) + volatility * self.random.gauss(0.0, 1.0)
        balance += sum(e["jump"] * on for e, on in zip(w.events, self.happens) if e["start"] == t)
        balance = clip01(balance)
        if self.partial_until >= t:   # a partial ceasefire stops a share of the front's movement
            balance = self.balance + (1.0 - self.partial_share) * (balance - self.balance)
        self.balance = balance
        if w.victory_probability > 0 and self.random.random() < w.victory_probability:
            self.victory = ((self.balance >= w.victory_upper)
                            - (self.balance <= w.victory_lower))
            if self.victory:
                self.phase = OVER

    def hold_truce(self) -> None:
        """A round of truce: the weaker side regenerates; the truce may collapse or expire."""
        w = self.world
        self.truce_age += 1
        self.balance = self.regenerated(self.balance, 1, self.truce_arms())
        mult = math.exp(sum(w.hazard_effects[d] * v for d, v in self.truce_terms.items()))
        k, scale = w.hazard_shape, w.hazard_scale
        cum = (self.truce_age / scale) ** k - (max(self.truce_age - 1.0, 0.0) / scale) ** k
        collapse = self.random.random() < 1.0 - math.exp(-mult * cum)
        self.collapsed |= collapse and not self.unilateral   # agreed truces only
        if collapse or self.truce_age >= self.truce_len:
            self.phase, self.truce_terms = WAR, {}
            if self.standing_still:   # its conditions are never drafted (docs/model.md §15)
                self.standing_still, self.truce_due, self.pending_truce = False, 0, None
                self.first_pending = False

    def bonus(self, t: int):
        """[responder][proposer]: extra value of accepting this round."""
        w = self.world
        out = [[0.0] * w.n_actors for _ in range(w.n_actors)]
        for lev in w.leverage:
            if not lev["start"] <= t <= lev["end"]:
                continue
            if lev["kind"] in ("acceptance_bonus", "refusal_cost"):
                out[lev["target"]][lev["by"]] += lev["amount"]
            elif lev["kind"] == "side_payment":
                d, target = lev["issue"], self.actors[lev["target"]]
                sq, x, s = w.status_quo[d], target.ideal[d], target.salience[d]
                step = min(max(x - sq, -abs(lev["amount"])), abs(lev["amount"]))
                before, after = abs(sq - x), abs(sq + step - x)
                value = s * (before ** 2 - after ** 2) if w.exponent == 2 else s * (before - after)
                for p in range(w.n_actors):
                    out[lev["target"]][p] += value
        return out

    # --- bargaining ----------------------------------------------------------------------------
    def option_weights(self, t: int):
        """f [responder][proposer]: the share of ``P − S`` that bargaining on is worth.

        Random recognition: δπ / (1 − (1 − π)δ), whoever proposes (0 for π = 0, δ = 1);
        alternating offers: δ^k, k rounds from the proposer's turn to the responder's next.
        """
        w, A = self.world, self.world.n_actors
        if not w.continuation or t >= w.horizon:
            return [[0.0] * A for _ in range(A)]
        if w.recognition_mode == "random":
            out = []
            for j, actor in enumerate(self.actors):
                pi, delta = w.recognition[j], actor.patience
                denominator = 1.0 - (1.0 - pi) * delta
                if w.rules is not None:   # in others' coalitions with chance q (§19)
                    denominator = 1.0 - delta * sum(w.recognition[p] * self.inclusion(j, p)
                                                    for p in range(A) if p != j)
                out.append([delta * pi / denominator if denominator > 0 else 0.0] * A)
            return out
        order, m = w.recognition, len(w.recognition)
        now = (t - 1) % m
        out = [[0.0] * A for _ in range(A)]
        for p in range(A):
            ahead = [(i - now) % m for i, who in enumerate(order) if who == p]
            at = (now + min(ahead)) % m if ahead else now    # p's next turn from round t on
            k = {}
            for step in range(m, 0, -1):   # the nearest turn wins
                k[order[(at + step) % m]] = step
            for j, rounds in k.items():
                out[j][p] = self.actors[j].patience ** rounds
        return out

    def with_option(self, value: float, j: int, proposer: int) -> float:
        """A state's value to j plus the option of bargaining on from it: v + f·max(0, P − v)."""
        return value + self.option[j][proposer] * max(self.proposer_value[j] - value, 0.0)

    def bargain(self, t: int):
        """Sweeps to the continuation values' fixed point, then everyone's offer and agenda."""
        w, A = self.world, self.world.n_actors
        if self.proposer_value is None:
            self.proposer_value = [a.status for a in self.actors]
        allowed = (self.phase == WAR and self.pending_truce is None,
                   self.phase != OVER and self.settlement_talks_sit(t))
        # an agenda some veto player will not sign at all is closed to everyone (§16)
        allowed = tuple(open_ and all(a.signs[g] for a in self.actors if self.always_needed(g, a.index))
                        for g, open_ in enumerate(allowed))
        self.option = self.option_weights(t)
        if w.any_private:   # this round's screening cutoffs (docs/model.md §18)
            self.cutoffs, self.chances = self.screen()
        # the solver is the engine's own numerical tool (Anderson acceleration keeping
        # rejected steps as secants, docs/model.md §8), run on this one world's values
        tol = max(w.tolerance, w.noise_tolerance * max(a.noise for a in self.actors))
        solver = FixedPoint(np.array(self.proposer_value, float)[:, None], tol=tol,
                            active=np.array([self.phase != OVER]))
        best = None
        for _ in range(max(1, w.first_iterations if t == 1 else w.iterations)):
            self.proposer_value = [float(v) for v in solver.x[:, 0]]
            self.reservation = [[self.with_option(actor.status, actor.index, p) for p in range(A)]
                                for actor in self.actors]
            # what a proposer must offer: reservation, less the leverage bonus, plus
            # a safety margin against the responder's noise
            self.need = [[self.reservation[j][p] - self._bonus[j][p]
                          + w.margin * self.actors[j].noise for p in range(A)] for j in range(A)]
            offers, agendas, values, planned = [], [], [], []
            for actor in self.actors:
                if w.recognition_mode == "alternating" and actor.index not in w.recognition:
                    # never recognised: no offers, as in the engine (its continuation
                    # weight is 0; with a truce priced for its drafting its own value of a
                    # feasible truce would otherwise move the solver's path)
                    none = (list(w.status_quo), False, -INF)
                    mine, cutoffs = [none, none], [{}, {}]
                elif w.any_private:
                    mine, cutoffs = self.screened_offers(actor)
                else:
                    mine, cutoffs = actor.offers(), [{}, {}]
                agenda, value = actor.choose_agenda(mine, allowed)
                offers.append(mine)
                agendas.append(agenda)
                values.append(value)
                planned.append(cutoffs)
            done = solver.update(np.array(values, float)[:, None])
            if best is None or solver.took[0]:
                best = (offers, agendas, self.reservation, self.need, values, planned)
            if done:
                break
        offers, agendas, self.reservation, self.need, values, self.planned = best
        self.unconverged += int(not solver.converged[0])
        self.proposer_value = values
        return offers, agendas

    # --- private resolve (docs/model.md §18) -------------------------------------------------
    def screen(self):
        """Per actor, the cutoff types proposers screen at (the sure one, lo, then the belief's
        quantiles i/(K+1)) and the chance P(k ≥ c) the belief gives each; others: their cost, 1."""
        w = self.world
        K = w.resolve_cutoffs
        cut, chance = [], []
        for actor in self.actors:
            j = actor.index
            if not w.private[j]:
                cut.append([actor.war_cost] * (K + 1))
                chance.append([1.0] * (K + 1))
                continue
            lo, hi, prior = self.belief_lo[j], self.belief_hi[j], w.resolve_prior[j]
            f_lo, f_hi = float(prior.cdf(lo)), float(prior.cdf(hi))
            mass = f_hi - f_lo
            if not mass > 1e-12:   # a point belief: every cutoff is lo, accepted for sure
                cut.append([lo] * (K + 1))
                chance.append([1.0] * (K + 1))
                continue
            cut.append([lo] + [min(max(float(prior.ppf(f_lo + (i / (K + 1)) * mass)), lo), hi)
                               for i in range(1, K + 1)])
            chance.append([1.0 - i / (K + 1) for i in range(K + 1)])
        return cut, chance

    def need_of(self, j: int, proposer: int, g: int) -> float:
        """What ``proposer`` must give j on agenda g; while screening, as if a private j were
        of the cutoff type c: its status moves by s·(c − k) (s the slope of the war or truce
        value in the war cost), its reservation with it, and its value of a durable
        settlement or a truce by their own slopes."""
        need = self._screened_need(j, proposer, g)
        if g == TRUCE and self.delay_conditions is not None:   # made up for the drafting delay
            meanwhile = self.actors[j].meanwhile
            fade = self.actors[j].patience ** self.truce_drafting_rounds(self.delay_conditions)
            need = meanwhile + (need - meanwhile) / fade
        return need

    def _screened_need(self, j: int, proposer: int, g: int) -> float:
        need = self.need[j][proposer]
        if self.screen_cut is None or not self.world.private[j]:
            return need
        w, actor = self.world, self.actors[j]
        dk = self.screen_cut[j] - actor.war_cost
        war_slope = -(1.0 - actor.fade)
        if self.phase == IN_TRUCE:
            fade = actor.patience ** max(self.truce_len - self.truce_age, 1)
            slope = -((1.0 - fade) * w.cost_factor + fade * (1.0 - actor.fade))
        else:
            slope = war_slope
        status = actor.status + slope * dk
        f = self.option[j][proposer]
        reservation = status + f * max(self.proposer_value[j] - status, 0.0)
        d_r = reservation - self.reservation[j][proposer]
        if g == SETTLEMENT:
            d_v = (1.0 - actor.survival) * war_slope * dk if w.settlement_hazard > 0 else 0.0
        else:
            fade_l = actor.patience ** w.truce_length
            d_v = (1.0 - f) * (-((1.0 - fade_l) * w.cost_factor + fade_l * (1.0 - actor.fade)) * dk)
        return need + (d_r - d_v)

    def screened_offers(self, actor):
        """The proposer's offers planned for each cutoff; per agenda it keeps the feasible
        plan worth most in expectation, π·own + (1 − π)·R_own, π the chance every private
        veto player accepts (the sure plan if none is feasible), valued at that expectation.
        Also returns, per agenda, the cutoff the kept offer was planned for, per private
        responder (empty: a refusal of it teaches nothing)."""
        w, me = self.world, actor.index
        K = w.resolve_cutoffs
        plans = []
        for i in range(K + 1):
            self.screen_cut = [self.cutoffs[j][i] for j in range(w.n_actors)]
            plans.append(actor.offers())
        self.screen_cut = None
        fallback = self.reservation[me][me]
        kept, planned = [], []
        for g in (TRUCE, SETTLEMENT):
            best, best_worth = 0, -INF
            for i, plan in enumerate(plans):
                _, feasible, own = plan[g]
                chance = 1.0
                for j in range(w.n_actors):
                    if w.private[j] and self.veto[g][j] and j != me:
                        chance = chance * self.chances[j][i]
                worth = chance * own + (1.0 - chance) * fallback if feasible else -INF
                if worth > best_worth:
                    best, best_worth = i, worth
            y, feasible, own = plans[best][g]
            kept.append((y, feasible, best_worth if feasible else plans[0][g][2]))
            planned.append({j: self.cutoffs[j][best] for j in range(w.n_actors)
                            if w.private[j]} if feasible else {})
        return kept, planned

    def learn_from_fighting(self) -> None:
        """A round of war: each private belief shrinks toward the true cost by its learning rate."""
        w = self.world
        for actor in self.actors:
            j, r = actor.index, w.resolve_learning[actor.index]
            if w.private[j] and r > 0:
                k = actor.war_cost
                self.belief_lo[j] = self.belief_lo[j] + r * (k - self.belief_lo[j])
                self.belief_hi[j] = self.belief_hi[j] - r * (self.belief_hi[j] - k)

    def nash_packages(self):
        """The asymmetric Nash solution of each agenda's veto players (once per round)."""
        if self._nash is None:
            self._nash = [self._nash_solution(g) for g in (TRUCE, SETTLEMENT)]
        return self._nash

    def _nash_solution(self, g: int, steps: int = 40):
        """Maximise Σ α_k ln(u_k − d_k) by projected Newton steps with a backtracking search."""
        w, D = self.world, self.world.n_issues
        players = [a for a in self.actors if self.veto[g][a.index]]
        total = sum(a.capability for a in players)
        alpha = [a.capability / max(total, 1e-300) for a in players]
        free = w.moves[g]

        def objective(y):
            gaps = [a.utility(y) - a.status for a in players]
            if all(gp > 0 for gp in gaps):
                return sum(al * math.log(max(gp, 1e-300)) for al, gp in zip(alpha, gaps)), gaps
            return -INF, gaps

        weighted = []
        for d in range(D):
            num = sum(al * a.salience[d] * a.ideal[d] for al, a in zip(alpha, players))
            den = sum(al * a.salience[d] for al, a in zip(alpha, players))
            weighted.append(num / max(den, 1e-300))
        plain = [sum(a.ideal[d] for a in players) / len(players) for d in range(D)]
        y, f, gaps = None, None, None
        for guess in [weighted, plain] + [a.ideal for a in players]:
            guess = [guess[d] if free[d] else w.status_quo[d] for d in range(D)]
            f_g, gaps_g = objective(guess)
            if y is None or f_g > f:
                y, f, gaps = guess, f_g, gaps_g
        for _ in range(steps):
            y, f, gaps = self._nash_step(players, alpha, free, y, f, gaps, objective)
        return y

    def _nash_step(self, players, alpha, free, y, f, gaps, objective):
        D, quadratic = self.world.n_issues, self.world.exponent == 2
        grad, hess = [0.0] * D, [[0.0] * D for _ in range(D)]
        for al, a, gp in zip(alpha, players, gaps):
            gp = max(gp, 1e-150)
            wgt = al / gp
            if quadratic:
                gu = [-2.0 * a.salience[d] * (y[d] - a.ideal[d]) for d in range(D)]
            else:
                gu = [-a.salience[d] * ((y[d] > a.ideal[d]) - (y[d] < a.ideal[d]))
                      for d in range(D)]
            for d in range(D):
                grad[d] += wgt * gu[d]
                for e in range(D):
                    hess[d][e] -= wgt / gp * gu[d] * gu[e]
                if quadratic:
                    hess[d][d] -= 2.0 * wgt * a.salience[d]
        active = [free[d] and not (y[d] <= 0 and grad[d] < 0) and not (y[d] >= 1 and grad[d] > 0)
                  for d in range(D)]
        h = [[(hess[d][e] if active[d] and active[e] else -float(d == e)) for e in range(D)]
             for d in range(D)]
        # the engine's ridge, scaled to the Hessian: rank-one (linear-utility) systems stay
        # solvable (an unscaled 1e-12 is lost in rounding next to large entries)
        ridge = 1e-12 * max(abs(h[d][d]) for d in range(D)) + 1e-12
        for d in range(D):
            h[d][d] -= ridge
        step = [-s for s in solve(h, [grad[d] if active[d] else 0.0 for d in range(D)])]
        t = 1.0
        for _ in range(30):
            y_new = [clip01(y[d] + t * step[d]) for d in range(D)]
            f_new, gaps_new = objective(y_new)
            if f_new >= f - 1e-15:
                return y_new, f_new, gaps_new
            t *= 0.5
        return y, f, gaps

    def recognise(self, t: int) -> int:
        w = self.world
        if w.recognition_mode == "alternating":
            return w.recognition[(t - 1) % len(w.recognition)]
        u = self.random.random()
        return min(sum(u >= c for c in accumulate(w.recognition)), w.n_actors - 1)

    # --- one round -----------------------------------------------------------------------------
    def step(self) -> None:
        self.round += 1
        t, w = self.round, self.world
        if w.stance_persistence > 0:   # every responder's stance moves each round
            for actor in self.actors:
                actor.move_stance()
        if self.phase == WAR:
            self.fought += 1
            self.fight(t)
            if w.any_private:
                self.learn_from_fighting()
        elif self.phase == IN_TRUCE:
            self.hold_truce()
        if self.phase == OVER:       # an outright win ends the run before anyone proposes
            self.running = False
            return
        if w.red_lines and (w.red_follows or self.gave_way()):   # red lines moved: new segments
            for actor in self.actors:
                if actor.strategy == "strategic":
                    actor.segments = [self._segments(actor, g) for g in (TRUCE, SETTLEMENT)]
        drift = self.drift_now(t)
        for actor in self.actors:
            actor.prepare_round(drift)
        if w.ceasefires and self.plain_ceasefires(t):   # before the bargaining; values anew
            for actor in self.actors:
                actor.prepare_round(drift)
        self._bonus, self._nash = self.bonus(t), None
        offers, agendas = self.bargain(t)
        proposer = self.recognise(t)
        agenda = agendas[proposer]
        chosen = self.actors[proposer]
        if agenda >= 0 and chosen.stalls(SETTLEMENT, t):
            # it proposes no settlement (nothing if it stalls truces too), choosing among the rest
            agenda = -1 if chosen.insincere_truces else \
                chosen.choose_agenda(offers[proposer], (self.phase == WAR, False))[0]
        self.last = {"proposer": proposer, "agenda": agenda, "y": None, "agreed": False}
        if agenda >= 0:
            y = [round(v) if w.binary[d] else v for d, v in enumerate(offers[proposer][agenda][0])]
            self.last.update(y=y, agreed=self.put_to_vote(t, proposer, agenda, y))
        if self.pending is not None and self.sign_round == t:
            self.sign(t)
        if self.pending_truce is not None and self.truce_due == t:
            proposer, y = self.pending_truce
            self.truce_due, self.pending_truce = 0, None
            if self.standing_still:   # the standstill held: its conditions take effect
                self.standing_still = False
                self.truce_terms = {d: y[d] for d in range(w.n_issues) if w.truce_issue[d]}
                if self.first_pending and self.phase != OVER:   # not after a signed settlement
                    self.conditions_round = t
                self.first_pending = False
            elif self.phase == WAR:   # a settlement signed meanwhile ended the run
                self.enter_truce(t, proposer, y)
        if t >= w.horizon or self.phase == OVER:
            self.running = False

    # --- talks as a process (docs/model.md §15) ----------------------------------------------
    def settlement_talks_sit(self, t: int) -> bool:
        """May a settlement be proposed this round: talks open and sitting, after a truce
        that has held long enough (if the scenario asks for one), nothing being drafted."""
        w = self.world
        if not w.talks:
            return True
        sits = t >= w.talks_open and (t - w.talks_open) % w.talks_every == 0
        if w.settle_after_truce >= 0:
            sits = (sits and self.phase == IN_TRUCE and not self.unilateral
                    and self.truce_age >= w.settle_after_truce)
        return sits and self.pending is None

    def conditions(self, y) -> int:
        """Truce terms moved off status quo beyond their threshold (§12)."""
        w = self.world
        return sum(1 for d in range(w.n_issues)
                   if w.truce_issue[d] and abs(y[d] - w.status_quo[d]) > w.threshold[d])

    def truce_drafting_rounds(self, conditions: int) -> int:
        w = self.world
        return round(min(w.truce_draft_base + w.truce_draft_per_condition * conditions,
                         w.horizon + 1.0))

    def draft(self, t: int, proposer: int, y) -> None:
        """A settlement agreed in principle: signed at the end of round t + drafting time."""
        w = self.world
        moved = sum(abs(y[d] - w.status_quo[d]) > 1e-9 for d in range(w.n_issues))
        rounds = round(min(w.drafting_base + w.drafting_per_issue * moved, w.horizon + 1.0))
        self.sign_round, self.pending = t + rounds, (proposer, list(y))

    def sign(self, t: int) -> None:
        """Every named actor ratifies with its probability, or the agreement falls."""
        proposer, y = self.pending
        self.sign_round, self.pending = 0, None
        if all(self.random.random() < p for _, p in self.world.ratification):
            self.outcome, self.agreement_round, self.proposer = COMPREHENSIVE, t, proposer
            self.terms, self.phase = y, OVER
        else:
            self.ratification_failures += 1

    def put_to_vote(self, t: int, proposer: int, agenda: int, y) -> bool:
        """Every veto player of the package answers; record the agreement if all accept."""
        w = self.world
        moved = [abs(y[d] - w.status_quo[d]) > 1e-9 for d in range(w.n_issues)]
        agreed = True
        rule = w.rules[agenda] if w.rules is not None else None
        ayes = set()
        for actor in self.actors:
            j = actor.index
            if j == proposer or not (actor.is_party or any(
                    moved[d] and w.controllers[d][j] for d in range(w.n_issues))
                    or (rule is not None and self.votes_in(rule, j))):
                continue
            yes = actor.respond(actor.priced_value(y, agenda, proposer), self._bonus[j][proposer],
                                self.reservation[j][proposer], agenda, t)
            if w.red_lines and self.crosses_red_line(actor, y, agenda):
                yes = False   # never past one's red line, whatever the noise
            cutoff = self.planned[proposer][agenda].get(j) if w.any_private else None
            if not yes and cutoff is not None:   # a public refusal: k < the cutoff planned for
                self.belief_hi[j] = max(min(self.belief_hi[j], cutoff), self.belief_lo[j])
            self.offered[j][agenda] += 1
            if yes:
                self.accepted[j][agenda] += 1
                self.first_accept[j] = self.first_accept[j] or t
                ayes.add(j)
            agreed &= yes
        if rule is not None:   # a winning set of ayes and every veto player (§19)
            outside = [j for j in range(w.n_actors) if j != proposer and not self.votes_in(rule, j)
                       and (self.actors[j].is_party or any(moved[d] and w.controllers[d][j]
                                                           for d in range(w.n_issues)))]
            agreed = all(j in ayes for j in outside) and self.passes(rule, ayes, proposer)
        if agreed:
            self.principle_round = self.principle_round or t
            self.agree(t, proposer, agenda, y)
        return agreed

    # --- decision rules (docs/model.md §19) ------------------------------------------------------
    @staticmethod
    def votes_in(rule, j: int) -> bool:
        return rule["vetoes"][j] or any(b["members"][j] for b in rule["bodies"])

    def always_needed(self, g: int, j: int) -> bool:
        rule = self.world.rules[g] if self.world.rules is not None else None
        if rule is None:
            return self.veto[g][j]
        member = any(b["members"][j] for b in rule["bodies"])
        return rule["vetoes"][j] or (self.unanimity[g][j] and not member)

    @staticmethod
    def wins(body, ayes) -> bool:
        """The members among ``ayes`` reach every threshold, or too few fail to vote aye."""
        members = [j for j, m in enumerate(body["members"]) if m]
        inside = [j for j in members if j in ayes]
        if all(sum(row[j] for j in inside) >= t - 1e-9 for row, t in zip(body["weights"], body["thresholds"])):
            return True
        return body["blocking"] > 0 and len(members) - len(inside) < body["blocking"]

    def passes(self, rule, ayes, proposer: int) -> bool:
        ayes = set(ayes) | {proposer}
        vetoed = any(v and j not in ayes for j, v in enumerate(rule["vetoes"]))
        return not vetoed and all(self.wins(b, ayes) for b in rule["bodies"])

    def coalition(self, g: int, proposer: int, cost) -> set:
        """The cheapest winning set (each body in turn: every subset of its other members in
        order of size, the first of least summed cost; greedy by cost per normalised weight
        beyond 12 others), plus the veto players and the unanimity veto players outside."""
        rule, A = self.world.rules[g], self.world.n_actors
        chosen = {j for j in range(A) if j != proposer and (
            rule["vetoes"][j] or (self.unanimity[g][j] and not self.votes_in(rule, j)))}
        for body in rule["bodies"]:
            others = [j for j in range(A) if body["members"][j] and j != proposer]
            fixed = set(chosen) | ({proposer} if body["members"][proposer] else set())
            price = {j: 0.0 if j in fixed else min(max(cost[j], 0.0), 1e300) for j in others}
            if len(others) > 12:
                chosen |= self._greedy(body, others, price, fixed)
                continue
            best, best_cost = None, INF
            for k in range(len(others) + 1):
                for subset in itertools.combinations(others, k):
                    if self.wins(body, fixed | set(subset) | {proposer}):
                        c = sum(price[j] for j in subset)
                        if c < best_cost:
                            best, best_cost = set(subset), c
            chosen |= best
        return chosen

    def _greedy(self, body, others, price, fixed) -> set:
        def norm(j):
            return sum(row[j] / t for row, t in zip(body["weights"], body["thresholds"]))

        def ratio(j):
            if j in fixed:
                return -1.0
            n = norm(j)
            return price[j] / n if n > 0 else (INF if price[j] > 0 else 0.0)

        ayes = set(fixed)
        added = set()
        for j in sorted(others, key=ratio):      # stable, as the engine's argsort
            if self.wins(body, ayes):
                break
            ayes.add(j)
            added.add(j)
        return added

    def inclusion(self, j: int, p: int) -> float:
        """q: the chance j is in p's coalition (the settlement's rule, else the truce's):
        1 for veto players, voters outside the bodies and non-voters; a member, the share
        of the body's smallest winning sets that hold it (max over bodies)."""
        w = self.world
        g = SETTLEMENT if w.rules[SETTLEMENT] is not None else TRUCE
        rule = w.rules[g]
        if rule is None or rule["vetoes"][j] or not any(b["members"][j] for b in rule["bodies"]):
            return 1.0
        best = 0.0
        for body in rule["bodies"]:
            if not body["members"][j] or j == p:
                continue
            others = [i for i in range(w.n_actors) if body["members"][i] and i != p and not rule["vetoes"][i]]
            fixed = {i for i in range(w.n_actors) if rule["vetoes"][i]}
            if body["members"][p]:
                fixed.add(p)
            if len(others) > 12:
                best = max(best, len(self._greedy(body, others, {i: 1.0 for i in others}, fixed)) / len(others))
                continue
            smallest = None
            for k in range(len(others) + 1):
                sets = [set(c) for c in itertools.combinations(others, k) if self.wins(body, fixed | set(c))]
                if sets:
                    smallest = sets
                    break
            if smallest:
                best = max(best, sum(j in c for c in smallest) / len(smallest))
        return best

    def agree(self, t: int, proposer: int, agenda: int, y) -> None:
        w = self.world
        if agenda == SETTLEMENT and w.talks:
            self.draft(t, proposer, y)
            return
        if agenda == SETTLEMENT:
            self.outcome, self.agreement_round, self.proposer = COMPREHENSIVE, t, proposer
            self.terms, self.phase = list(y), OVER
            return
        rounds = self.truce_drafting_rounds(self.conditions(y)) if w.truce_drafting else 0
        if rounds > 0:   # drafted: in force at the end of round t + rounds (docs/model.md §15)
            self.truce_due, self.pending_truce = t + rounds, (proposer, list(y))
            if w.truce_standstill:   # agreed now, the plain ceasefire's terms in force meanwhile
                first = self.truces == 0
                self.enter_truce(t, proposer, y)
                if first:   # its terms take effect once drafted
                    self.stood_still, self.first_pending, self.conditions_round = True, True, 0
                self.truce_terms = {d: w.status_quo[d] for d in range(w.n_issues) if w.truce_issue[d]}
                self.standing_still = True
            return
        self.enter_truce(t, proposer, y)

    def plain_ceasefires(self, t: int) -> bool:
        """The scenario's pauses and halts on the table, in order, each put forward with its
        chance; every party asked (only the declaring one if unilateral) accepts iff
        share·(plain truce of its length − status) + pressure + τ·ε ≥ 0 and it does not
        refuse truces. Returns whether a general one entered into force."""
        w = self.world
        free = (self.phase == WAR and self.partial_until <= t
                and not (w.truce_drafting and self.pending_truce is not None))
        for cf in w.ceasefires:
            put = self.random.random() < cf["probability"]
            shocks = []
            for _ in self.actors:
                u = self.random.random()
                while u == 0.0:
                    u = self.random.random()
                shocks.append(math.log(u) - math.log1p(-u))
            if not (free and put and cf["start"] <= t <= cf["end"]):
                continue
            asked = [a for a in self.actors
                     if (a.index == cf["by"] if cf["unilateral"] else a.is_party)]
            plain = list(w.status_quo)
            yes = True
            for a in asked:
                pause = a.truce_value(a.truce_loss(plain), self.balance, 0.0, cf["length"])
                margin = cf["share"] * (pause - a.status) + cf["pressure"][a.index]
                refuses = a.stalls(TRUCE, t) or not a.signs[TRUCE]
                weary = self.fought >= cf["exhaustion"][a.index]
                yes = yes and not refuses and (margin + a.noise * shocks[a.index] >= 0.0 or weary)
            if not yes:
                continue
            if self.ceasefire < 0:
                self.ceasefire = cf["code"]
            if cf["partial"]:
                self.partial_until, self.partial_share = t + cf["length"], cf["share"]
                return False
            self.enter_truce(t, cf["by"], plain, length=cf["length"], unilateral=cf["unilateral"])
            return True
        return False

    def enter_truce(self, t: int, proposer: int, y, *, length: int | None = None,
                    unilateral: bool = False) -> None:
        w = self.world
        terms = {d: y[d] for d in range(w.n_issues) if w.truce_issue[d]}
        self.ceasefire = max(self.ceasefire, 0)   # the first one, else bilateral, general
        self.truce_len = w.truce_length if length is None else length
        self.unilateral, self.partial_until = unilateral, 0
        if unilateral:   # holds the front, but is no agreed truce
            self.phase, self.truce_age, self.truce_terms = IN_TRUCE, 0, terms
            return
        self.principle_round = self.principle_round or t   # an agreed pause: as it starts
        if self.truces == 0:
            conditional = any(abs(v - w.status_quo[d]) > w.threshold[d] for d, v in terms.items())
            self.outcome = CONDITIONAL if conditional else TEMPORARY
            self.truce_round = self.agreement_round = t
            self.proposer = proposer
            self.terms = [terms.get(d, math.nan) for d in range(w.n_issues)]
            self.conditions_round = t
        self.truces += 1
        self.phase, self.truce_age, self.truce_terms = IN_TRUCE, 0, terms

    def record(self) -> dict:
        """This run's results, as one row of a :class:`BlockResult`."""
        return {"outcome": self.outcome, "agreement_round": self.agreement_round,
                "truce_round": self.truce_round, "collapsed": self.collapsed, "truces": self.truces,
                "proposer": self.proposer, "terms": self.terms, "final_balance": self.balance,
                "victory": self.victory, "offers": self.offered, "accepts": self.accepted,
                "first_accept": self.first_accept, "unconverged": self.unconverged,
                "ceasefire": self.ceasefire, "stood_still": self.stood_still,
                "conditions_round": self.conditions_round, "principle_round": self.principle_round,
                "stalled": self.stalled()}

    def stalled(self) -> bool:
        """In the horizon's round a party (or a rule's veto) whose consent every agreement on
        an agenda someone may propose needs still stalls on it (§12, §17)."""
        w = self.world

        def blocks(g: int, a: Actor) -> bool:
            rule = w.rules[g] if w.rules is not None else None
            member = rule is not None and any(b["members"][a.index] for b in rule["bodies"])
            needed = (a.is_party and not member) or (rule is not None and rule["vetoes"][a.index])
            return needed and a.stalls(g, w.horizon)

        open_ = [g for g in (TRUCE, SETTLEMENT) if any(a.may_propose[g] for a in self.actors)]
        return any(blocks(g, a) for g in open_ for a in self.actors)


_DTYPES = {"outcome": np.int8, "agreement_round": np.int16, "truce_round": np.int16,
           "collapsed": bool, "truces": np.int16, "proposer": np.int16, "terms": float,
           "final_balance": float, "victory": np.int8, "offers": np.int16, "accepts": np.int16,
           "first_accept": np.int16, "unconverged": np.int16, "ceasefire": np.int8,
           "stood_still": bool, "conditions_round": np.int16, "principle_round": np.int16,
           "stalled": bool}


def shock_seeds(seed: np.random.SeedSequence, runs: int) -> list[int]:
    """One integer seed per run for its ``model.random`` (independent of the parameter draws)."""
    return [int(s) for s in child(seed, SHOCKS_KEY).generate_state(runs, np.uint64)]


def naive_models(scenario, runs: int, seed, *, memo: bool = False):
    """The ``runs`` models of a naive simulation, before any step (run i: row i of the draws);
    ``memo``: see :class:`NaiveNegotiation`."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    scenario, given = with_calibration(scenario, runs, ss, None)  # calibrated knobs, as the engine
    params = draw_params(scenario, runs, ss, given)
    models = [NaiveNegotiation(params, i, seed=s, memo=memo)
              for i, s in enumerate(shock_seeds(ss, runs))]
    return models, params


def run_naive(scenario, runs: int, seed=0, *, memo: bool = False) -> BlockResult:
    """Play ``runs`` runs one model at a time, each to the end; results in run order.
    ``memo=True`` (the tests) gives the same numbers faster; the benchmarks time the plain model."""
    models, params = naive_models(scenario, runs, seed, memo=memo)
    rows = []
    for model in models:
        model.run_model()
        rows.append(model.record())
    columns = {k: np.array([row[k] for row in rows], dtype) for k, dtype in _DTYPES.items()}
    return BlockResult(inputs=dict(params.inputs), **columns)

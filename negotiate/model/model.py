"""NegotiationModel: one Mesa model playing N independent worlds at once.

One ``step()`` is one round (docs/model.md §7) in every world still open:
war or truce dynamics, leverage, recognition, proposals, responses,
agreement.  World state is held as arrays; finished worlds are masked.
The agents (:mod:`.actors`) propose and respond; all they read of the round
is its read-only :class:`~.round_state.RoundState` (docs/model.md, "Agents
and the round state"), kept afterwards as ``model.state``.
"""

from __future__ import annotations

import mesa
import numpy as np

from . import ceasefire, leverage, red_lines, resolve, talks, truce, war
from . import sweeps as sweeps_
from .actors import AGENT_REPORTERS, AGENT_TYPES, Negotiator, Tabled
from .calibrated import with_calibration
from .continuation import FixedPoint, at_least_two
from .outcomes import AGENDAS, COMPREHENSIVE, CONDITIONAL, NONE, TEMPORARY, BlockResult
from .params import DYNAMICS_KEY, STANCE_KEY, TALKS_KEY, child, draw_params
from .proposals import (
    SETTLEMENT,
    STRATEGIES,
    TRUCE,
    Offers,
    agenda_mask,
    choose,
    judge,
    needed_players,
    stalled_to_horizon,
    veto_players,
)
from .responses import option_weight, recognise, with_option
from .round_state import RoundState, read_only_copy, truce_terms
from .streams import ROUND_STRIDE, WorldStreams
from .values import Valuation

WAR, IN_TRUCE, OVER = 0, 1, 2
#: the draw sites of the dynamics' stream (DYNAMICS_KEY, site): docs/model.md, "Random numbers"
WAR_SITE, VICTORY_SITE, COLLAPSE_SITE, RECOGNITION_SITE, RESPONSE_SITE, EVENT_SITE = range(6)
#: the one-world record's ``ceasefire`` while a standstill holds and its truce's conditions
#: are drafted (docs/model.md §15, "Standstill while drafting")
STANDSTILL = "standstill (conditions pending)"


class NegotiationModel(mesa.Model):
    """Bargaining while fighting, over ``worlds`` Monte Carlo worlds.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario (``negotiate.load_scenario``).
    worlds : int
        Number of independent worlds simulated together.
    seed : int or numpy.random.SeedSequence
        Root of all randomness.  Every draw is a function of the seed, the
        draw site, the world's index and the round only (docs/model.md,
        "Random numbers"), never of the other worlds of the block.
    record : bool, optional
        Keep a per-round record of world 0 in a Mesa ``DataCollector``
        (default: only when ``worlds == 1``).
    given : dict, optional
        Per-world values (arrays of length ``worlds``) for distribution-valued
        fields, by dotted path, used instead of draws (experimental designs).
    first : int, optional
        Index of the first world in the whole run (default 0): the worlds
        simulated are ``first .. first + worlds - 1``, and world ``i`` gets
        the same draws whatever block it is played in (alone, to replay it).
    """

    def __init__(self, scenario, worlds: int = 1, *, seed=0, record: bool | None = None,
                 given: dict | None = None, first: int = 0):
        if not isinstance(worlds, (int, np.integer)) or worlds < 1:
            raise ValueError(f"worlds must be a positive integer, got {worlds!r}")
        if not isinstance(first, (int, np.integer)) or isinstance(first, bool) or first < 0:
            raise ValueError(f"first must be a whole number >= 0, got {first!r}")
        ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
        # Mesa wants a generator; the engine draws nothing from it (see self.streams)
        super().__init__(rng=np.random.default_rng(child(ss, DYNAMICS_KEY)))
        self.first = int(first)
        self.streams = WorldStreams(ss, self.first + np.arange(int(worlds)))
        scenario, given = with_calibration(scenario, int(worlds), self.streams, given)
        self.scenario = scenario
        self.params = p = draw_params(scenario, int(worlds), self.streams, given)
        self.inputs = p.inputs
        self.n_worlds = int(worlds)
        self.ids = np.arange(self.n_worlds)   # which worlds the arrays below hold
        self.valuation = Valuation.build(p)
        self.veto = veto_players(p)                     # (G, A): asked on each agenda
        self.needed = needed_players(p)                 # (G, A): whose consent every package needs
        self.round = 0
        self._init_state()
        # each agent holds its strategy; agents with the same one share it (strategies are
        # vectorised over proposers: docs/model.md, "Agents and the round state")
        shared = {name: STRATEGIES[name](p, self.valuation, self.red_box) for name in dict.fromkeys(p.strategies)}
        for a, name in enumerate(p.actor_names):
            AGENT_TYPES[p.roles[a]](self, a, name, shared[p.strategies[a]])
        self.actors = list(self.agents)                 # creation order = actor index
        # the stances' innovations (docs/model.md §17) come from a stream of their own
        self._stances_move = bool(np.any(p.stance_persistence > 0))
        # ratification draws (docs/model.md §15) come from a stream of their own, so
        # scenarios with and without talks share every other draw
        self._ratifies = bool(p.ratify_actor.size)
        # plain ceasefires' draws (docs/model.md, "Ceasefire types"): a stream of their own too
        self._ceasefires_draw = bool(p.ceasefires)
        self.record = (worlds == 1) if record is None else record
        self.datacollector = (mesa.DataCollector(model_reporters=self._reporters(),
                                                 agent_reporters=AGENT_REPORTERS)
                              if self.record else None)

    def _ceasefire_in_force(self) -> str | None:
        """World 0's ceasefire this round: an agreed truce, a unilateral halt (no agreed
        truce: docs/model.md, "Ceasefire types"), a partial ceasefire, or none."""
        if self.phase[0] == IN_TRUCE:
            if self.unilateral[0]:
                return "unilateral halt"
            # a standstill while drafting: the plain ceasefire holds until the conditions
            # take effect at the end of round t + D (docs/model.md §15, "Standstill while drafting")
            return STANDSTILL if self.standing_still[0] else "truce"
        if self.partial_until[0] >= self.round > 0:
            return "partial ceasefire"
        return None

    # --- state ----------------------------------------------------------------
    def _init_state(self) -> None:
        p, N, A, D = self.params, self.params.n, self.params.n_actors, self.params.n_issues
        self.balance = p.balance0.copy()
        self.phase = np.zeros(N, np.int8)
        self.truce_age = np.zeros(N, np.int32)
        self.truce_terms = np.full((N, D), np.nan)
        self.truce_len = np.full(N, p.truce_length, np.int64)   # rounds the truce in force lasts
        self.unilateral = np.zeros(N, bool)   # the truce in force is a unilateral halt, not agreed
        self.partial_until = np.zeros(N, np.int64)   # a partial ceasefire holds through this round
        self.partial_share = np.zeros(N)             # ... stopping this share of the war
        self.fought = np.zeros(N, np.int64)          # rounds of war fought (ceasefire exhaustion)
        # (E, N): event e happens in a world where its uniform (draw e of the site) is below p
        self.happens = np.array([self.streams.uniform((DYNAMICS_KEY, EVENT_SITE), e) < p.ev_prob[e]
                                 for e in range(p.ev_prob.shape[0])]).reshape(p.ev_prob.shape)
        # red lines (docs/model.md §16): each actor's box and each proposer's agenda box
        self.red_box = (red_lines.box(p, self.balance, self.veto, agenda_mask(p)) if p.red_lines
                        else None)
        self.proposer_value = None                                   # (A, N), warm start
        # private resolve (docs/model.md §18): public beliefs about private war costs
        self.beliefs = resolve.Beliefs.start(p) if p.private.any() else None
        self.state = None         # the last round's RoundState (docs/model.md, "Agents and the round state")
        # caches, each keyed on the objects it was made from (so compaction renews them):
        # the read-only copies of params and valuation the state shows, and the plain truce's value
        self._read_only_constants = None
        self._plain_cache = None
        self._meanwhile_cache = None
        self.planned_cutoff = None   # (A_p, G, A_j, N): the type each offer was planned for (§18)
        self.out = {
            "outcome": np.full(N, NONE, np.int8), "agreement_round": np.zeros(N, np.int16),
            "truce_round": np.zeros(N, np.int16), "collapsed": np.zeros(N, bool),
            "truces": np.zeros(N, np.int16), "proposer": np.full(N, -1, np.int16),
            "terms": np.full((N, D), np.nan), "victory": np.zeros(N, np.int8),
            "offers": np.zeros((N, A, 2), np.int16), "accepts": np.zeros((N, A, 2), np.int16),
            "first_accept": np.zeros((N, A), np.int16),
            "unconverged": np.zeros(N, np.int16),
            # the largest residual left at the cap, in flow units and in units of the
            # world's largest response noise (docs/model.md §8, "Caps and non-convergence")
            "unconverged_gap": np.zeros(N), "unconverged_gap_noise": np.zeros(N),
            "ceasefire": np.full(N, -1, np.int8),   # type of the first truce (ceasefire.TYPES)
            # the first truce stood still while drafted, and the round its terms took effect
            # (0: never; docs/model.md §15, "Standstill while drafting")
            "stood_still": np.zeros(N, bool), "conditions_round": np.zeros(N, np.int16),
            # the round anything (a truce or a settlement) was first agreed in principle,
            # 0: never (docs/model.md §12, "Why no agreement")
            "principle_round": np.zeros(N, np.int16),
            # a party whose consent every agreement needs still stalls in the horizon's
            # round, on an agenda open in the scenario (drawn once per world, §17; §12)
            "stalled": stalled_to_horizon(p),
        }
        # talks as a process (§15): a settlement agreed in principle, being drafted
        self.sign_round = np.zeros(N, np.int64)          # round it is due for signing, 0 = none
        self.pending_terms = np.full((N, D), np.nan)
        self.pending_proposer = np.full(N, -1, np.int16)
        # truce drafting (§15): a truce accepted, being drafted before it is in force
        self.truce_due = np.zeros(N, np.int64)           # round it comes into force, 0 = none
        self.pending_truce_terms = np.full((N, D), np.nan)
        self.pending_truce_proposer = np.full(N, -1, np.int16)
        self.standing_still = np.zeros(N, bool)          # ... under a plain ceasefire meanwhile
        self.ratification_failures = 0                   # in the whole block (not per world)
        self.last = {}

    @property
    def open_worlds(self) -> np.ndarray:
        return self.phase != OVER

    # --- one round ------------------------------------------------------------
    def step(self) -> None:
        """Play one round in every open world."""
        p = self.params
        self.round += 1
        t = self.round
        shocks = self._draw_round_shocks()
        self._move_stances()
        fought = self.phase == WAR
        self._advance_world(t, shocks)
        if self.beliefs is not None:   # fighting reveals resolve (§18)
            self.beliefs.fought(p, fought)
        if p.red_lines:   # bounds follow the front, and give way after rounds at war (§16)
            self.red_box = red_lines.follow(p, self.red_box, self.balance, self.veto, agenda_mask(p),
                                            self.fought)
        drift = war.drift_now(p, t, self.happens)
        belief = self.valuation.belief_drift(drift)
        status = self._status_values(belief)
        if self._ceasefires_draw and self._plain_ceasefires(t, status, belief):
            status = self._status_values(belief)   # paused worlds: the pause in force (§5)
        offers, agenda_of = self._bargain(t, self._round_state(t, belief, status))
        proposer = recognise(p, t, shocks["recognition"])
        self._respond_and_agree(t, offers, agenda_of, proposer, shocks["response"])
        if p.talks:
            self._sign_drafted(t, shocks.get("ratification"))
        if p.truce_drafting:
            self._truce_drafted(t)
        if self.datacollector is not None:
            self.datacollector.collect(self)
        if t >= p.horizon:
            self.running = False
        self._maybe_compact()

    def _draw_round_shocks(self) -> dict[str, np.ndarray]:
        # Draw k of site s in round t is the counter t * ROUND_STRIDE + k of the world's
        # stream (DYNAMICS_KEY, s): nothing moves with the other worlds or with what was
        # drawn before, so scenarios run on the same seed share their shocks (common
        # random numbers) and a world replayed alone meets the same ones.
        A, s, c = self.params.n_actors, self.streams, self.round * ROUND_STRIDE
        out = {
            "war": s.normal_rows((DYNAMICS_KEY, WAR_SITE), 1, c)[0],
            "victory": s.uniform((DYNAMICS_KEY, VICTORY_SITE), c),
            "collapse": s.uniform((DYNAMICS_KEY, COLLAPSE_SITE), c),
            "recognition": s.uniform((DYNAMICS_KEY, RECOGNITION_SITE), c),
            "response": s.logistic_rows((DYNAMICS_KEY, RESPONSE_SITE), A, c),   # row a: actor a
        }
        if self._ratifies:
            out["ratification"] = s.uniform_rows((TALKS_KEY,), self.params.ratify_actor.size, c)
        return out

    def _move_stances(self) -> None:
        """Every responder's stance takes one AR(1) step (§17): N(0, 1) innovations, row a
        for actor a, from a stream of their own."""
        if not self._stances_move:
            return
        eta = self.streams.normal_rows((STANCE_KEY,), self.params.n_actors, self.round * ROUND_STRIDE)
        for agent in self.actors:
            agent.move_stance(eta[agent.index])

    def _advance_world(self, t: int, shocks) -> None:
        """War moves the front; a truce regenerates the weaker side, may collapse or expire."""
        p = self.params
        fighting = self.phase == WAR
        self.fought += fighting
        moved = war.step(p, t, self.balance, self.happens, shocks["war"])
        if p.ceasefires:   # a partial ceasefire stops a share of the front's movement
            held = self.partial_until >= t
            moved = np.where(held, self.balance + (1.0 - self.partial_share) * (moved - self.balance), moved)
        self.balance = np.where(fighting, moved, self.balance)
        won = war.victories(p, self.balance, shocks["victory"]) * fighting
        self.out["victory"] = np.where(won != 0, won, self.out["victory"]).astype(np.int8)
        self.phase = np.where(won != 0, OVER, self.phase).astype(np.int8)

        in_truce = self.phase == IN_TRUCE
        if in_truce.any():
            self.truce_age = np.where(in_truce, self.truce_age + 1, self.truce_age)
            arms = self._truce_arms()
            regen = self.valuation.regenerated(self.balance, 1, arms)
            self.balance = np.where(in_truce, regen, self.balance)
            collapse = in_truce & (shocks["collapse"] < truce.collapse_probability(p, self.truce_age, self.truce_terms))
            expired = in_truce & (self.truce_age >= self.truce_len)
            self.out["collapsed"] |= collapse & ~self.unilateral   # agreed truces only
            ended = collapse | expired
            if p.truce_drafting:   # a standstill that ends leaves its conditions undrafted (§15)
                self.truce_due[ended & self.standing_still] = 0
                self.standing_still &= ~ended
            self.phase = np.where(ended, WAR, self.phase).astype(np.int8)
            self.truce_terms[ended] = np.nan

    def _truce_arms(self) -> np.ndarray:
        r = self.params.regen_issue
        return np.nan_to_num(self.truce_terms[:, r]) if r >= 0 else np.zeros(self.params.n)

    def _status_values(self, belief) -> np.ndarray:
        """S (A, N): the value of the status — war, or the truce in force until it ends —
        with beliefs ``belief`` (A, N) about the drift."""
        v = self.valuation
        s = v.war_value(self.balance, belief, where=self.phase == WAR)   # 0 where over
        in_truce = self.phase == IN_TRUCE
        if in_truce.any():
            terms = np.where(np.isnan(self.truce_terms), self.params.status_quo, self.truce_terms)
            remaining = np.maximum(self.truce_len - self.truce_age, 1)
            tv = v.truce_value(v.truce_loss(terms), self.balance, self._truce_arms(), belief, remaining,
                               where=in_truce)
            s = np.where(in_truce, tv, s)
        return s

    # --- bargaining -----------------------------------------------------------
    def _round_state(self, t: int, belief, status) -> RoundState:
        """Round ``t``'s read-only state (docs/model.md, "Agents and the round state"),
        once the war has moved: beliefs ``belief`` and status values ``status`` (A, N)."""
        p = self.params
        if self.proposer_value is None:
            self.proposer_value = status.copy()
        allowed = np.stack([self.phase == WAR, self.phase != OVER])
        if p.truce_drafting:   # no other truce while one is drafted (§15)
            allowed[TRUCE] &= self.truce_due == 0
        if p.talks:   # settlement talks sit on a calendar, and not while a text is drafted (§15)
            allowed[SETTLEMENT] &= talks.settlement_sits(p, t, (self.phase == IN_TRUCE) & ~self.unilateral,
                                                         self.truce_age,
                                                         self.sign_round > 0)
        # an agenda some veto player will not sign at all is closed to everyone (§16)
        allowed &= ~(self.needed & ~p.signs.T).any(axis=1)[:, None]
        # the block constants as the state shows them: read-only copies, made once a block
        cached = self._read_only_constants
        if cached is None or cached[0] is not self.valuation or cached[1] is not p:
            memo = {}   # one copy of the params, the state's and its valuation's
            cached = self._read_only_constants = (self.valuation, p, read_only_copy(p, memo),
                                                  read_only_copy(self.valuation, memo))
        return RoundState(
            round=t, params=cached[2], valuation=cached[3], veto=self.veto, balance=self.balance,
            phase=self.phase.copy(), truce_age=self.truce_age.copy(), belief=belief, status=status,
            bonus=leverage.bonus(p, t), allowed=allowed,
            # (A_j, A_p, N), contiguous for the compiled planner
            option=np.ascontiguousarray(option_weight(p, t)), red_box=self.red_box,
            truce_terms=truce_terms(self.valuation, self.balance, belief, self.phase, p.truce_length),
            proposer_value=self.proposer_value)

    def _bargain(self, t: int, state: RoundState):
        """Solve for the continuation values (docs/model.md §8), then everyone's offers;
        keeps the round state of the sweep settled on, with the new proposer values."""
        p = self.params
        sweeps = max(1, p.first_iterations if t == 1 else p.iterations)
        # values need be no finer than the noise that blurs every answer
        tol = np.maximum(p.tolerance, p.noise_tolerance * p.noise.max(axis=0))
        solver = FixedPoint(self.proposer_value, tol=tol, active=self.phase != OVER)
        # this round's screening cutoffs and their chances (§18)
        screen = self.beliefs.screen(p) if self.beliefs is not None else None
        # the first sweep covers every world (so every world has an evaluation to keep)
        best = self._offers_given(state, solver.x, screen)
        done = solver.update(best[-1])
        if not done and sweeps > 1:
            best = sweeps_.own_copy(best)   # later sweeps write what the solver keeps into it
        view = None   # the worlds each later sweep evaluates, once few are left (None: the block)
        for _ in range(sweeps - 1):
            if done:
                break
            view = self._narrowed(state, screen, solver, view)
            done = self._sweep(state, screen, solver, view, best)
        offers, agenda_of, reservation, need, self.planned_cutoff, value = best
        self._count_unconverged(solver)
        self.proposer_value = value
        self.state = state.replace(proposer_value=value, reservation=reservation, need=need)
        return offers, self._without_stalled_proposals(t, offers, agenda_of)

    def _count_unconverged(self, solver: FixedPoint) -> None:
        """Count the worlds whose values missed the tolerance this round, and keep the largest
        residual they were left with (the evaluation used), also over the world's largest
        response noise (infinite where a world's noise is zero): how far off matters only
        against the noise that blurs every answer."""
        missed = ~solver.converged
        self.out["unconverged"] += missed
        gap = np.where(missed, solver.residual, 0.0)
        noise = self.params.noise.max(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            scaled = np.where(missed, gap / noise, 0.0)
        for key, value in (("unconverged_gap", gap), ("unconverged_gap_noise", scaled)):
            self.out[key] = np.maximum(self.out[key], value)

    def _sweep(self, state: RoundState, screen, solver: FixedPoint, view, best) -> bool:
        """One sweep of the fixed point over the block (``view`` None) or over ``view``'s
        worlds (the others are converged: T(x) = x there, ignored); writes the evaluations
        the solver keeps into ``best`` and returns whether every world has converged."""
        if view is None:
            keep = np.arange(solver.x.shape[1])
            found = self._offers_given(state, solver.x, screen)
            tx = found[-1]
        else:
            keep = view.keep
            found = self._offers_given(view.state, solver.x[:, keep], view.screen, view.strategies)
            tx = solver.x.copy()
            tx[:, keep] = found[-1]
        done = solver.update(tx)
        sweeps_.kept_at(best, found, keep, solver.took[keep])
        return done

    #: a sweep evaluates only the worlds not yet converged once they are fewer than this
    #: share of the worlds the last sweep evaluated (docs/model.md §8) ...
    VIEW_BELOW = 0.5
    #: ... and at least this many worlds would be left out (a view costs a cut of the
    #: parameters, value functions and strategies: not worth it for a few worlds)
    VIEW_MIN_SAVED = 16

    def _narrowed(self, state: RoundState, screen, solver: FixedPoint, current):
        """The :class:`~.sweeps.SweepView` the next sweep evaluates: ``current`` (None: the
        whole block), or the worlds not yet converged once few enough are left.  Sweeps that
        follow a first view cut it again (they only shrink within a round: a converged
        world is never moved again, ``FixedPoint.update``)."""
        live = ~solver.converged if current is None else ~solver.converged[current.keep]
        keep = at_least_two(live)
        if keep.size >= self.VIEW_BELOW * live.size or live.size - keep.size < self.VIEW_MIN_SAVED:
            return current
        if current is None:
            return sweeps_.view(self.actors, self.params, state, screen, keep)
        return sweeps_.narrower(self.actors, current, keep)

    def _without_stalled_proposals(self, t: int, offers: Offers, agenda_of: np.ndarray) -> np.ndarray:
        """A stalling actor (§17) puts forward no settlement (nothing if it stalls truces too):
        it chooses among the agendas left as :func:`choose` would.  Its stalling is hidden:
        everyone's continuation values, its own included, stay those of a sincere actor."""
        p = self.params
        stalling = t <= p.insincere_until                                   # (A, N)
        if not stalling.any():
            return agenda_of
        allowed = self._open_agendas(self.state).copy()   # (A, G, N), red lines included
        allowed[:, SETTLEMENT] = False
        A = p.n_actors
        own_reservation = self.state.reservation[np.arange(A), np.arange(A)]
        left, _ = choose(offers, own_reservation, allowed, p.agendas, self.veto.T)
        left = np.where(p.insincere_truces, -1, left)
        return np.where(stalling, left, agenda_of)

    @staticmethod
    def _open_agendas(state: RoundState) -> np.ndarray:
        """(A, G, N): agendas each proposer may put forward in each world (the round's
        open agendas, less those with no package inside the red lines, §16)."""
        A = state.params.n_actors
        open_ = np.broadcast_to(state.allowed[None], (A,) + state.allowed.shape)
        return open_ if state.red_box is None else open_ & ~state.red_box.blocked

    def _offers_given(self, state: RoundState, proposer_value, screen, strategies=None):
        """Everyone's offers when the proposers' values are ``proposer_value`` (A, N):
        the map T of the fixed point; returns the offers, agendas and T(P), and the
        sweep's reservations and needs.  ``state`` is the block's round state or a sweep
        view's (its worlds not yet converged, with ``strategies`` standing in for the
        agents', see :class:`.sweeps.SweepView`): everything is read from it."""
        p = state.params
        # what each proposer must offer each responder: its reservation, less the
        # leverage bonus, plus a safety margin against its response noise
        sweep = state.for_sweep(proposer_value, (p.margin * p.noise)[:, None, :])
        own_reservation = sweep.reservation[np.arange(p.n_actors), np.arange(p.n_actors)]
        if screen is None:
            offers, planned = self._all_offers(sweep, strategies), np.zeros(p.n)
        else:
            offers, planned = self._screened_offers(sweep, own_reservation, screen, strategies)
        # no package inside every veto player's red lines: nothing to put forward there (§16)
        allowed = self._open_agendas(state)
        agenda_of, value = choose(offers, own_reservation, allowed, p.agendas, state.veto.T)
        return offers, agenda_of, sweep.reservation, sweep.need, planned, value

    def _screened_offers(self, state: RoundState, own_reservation, screen, strategies=None):
        """Risk-return offers against private responders (docs/model.md §18).

        For each cutoff c of the round (the sure one, the belief's quantiles) every
        proposer plans as if each private responder were of type c (its need moved by
        :func:`resolve.needs_at`); the plan for cutoff c is accepted with the belief's
        chance π_c, so it is worth ``π_c·own_c + (1 − π_c)·R_own`` to the proposer, who
        keeps, per agenda and world, the feasible plan worth most (the sure plan if none
        is feasible) and values it at that expectation.  Returns the offers and the
        cutoff (A_p, G, A_j, N) each offer was planned for (+inf: a refusal teaches
        nothing, the offer not being predicted acceptable to any type, or the
        responder not private)."""
        p = state.params
        cutoffs, chances = screen
        plans = []
        for c in range(cutoffs.shape[0]):
            need, bare = resolve.needs_at(state, cutoffs[c], state.need)
            plans.append(self._all_offers(state.replace(need=need, bare_need=bare), strategies))
        chance = np.stack([resolve.accept_chance(state, chances[c]) for c in range(len(plans))])
        fallback = own_reservation[:, None, :]
        worth = np.stack([np.where(o.feasible, pi * o.own + (1.0 - pi) * fallback, -np.inf)
                          for o, pi in zip(plans, chance)])                      # (C, A, G, N)
        pick = np.argmax(worth, axis=0)                                          # 0 where none feasible
        y = np.take_along_axis(np.stack([o.y for o in plans]), pick[None, ..., None], axis=0)[0]
        feasible = np.take_along_axis(np.stack([o.feasible for o in plans]), pick[None], axis=0)[0]
        own = np.where(feasible, np.take_along_axis(worth, pick[None], axis=0)[0], plans[0].own)
        cut = cutoffs[pick.reshape(-1), :, np.tile(np.arange(p.n), pick.size // p.n)]  # (A·G·N, A_j)
        cut = cut.reshape(pick.shape + (p.n_actors,)).transpose(0, 1, 3, 2)      # (A_p, G, A_j, N)
        cut = np.where(feasible[:, :, None] & p.private[None, None, :, None], cut, np.inf)
        return Offers(plans[0].who, y, feasible, own), cut

    def _all_offers(self, state: RoundState, strategies=None) -> Offers:
        """Every actor's offers, truces priced for their drafting time when they are drafted."""
        if state.params.truce_drafting:
            return self._drafted_truce_offers(state, strategies)
        return self._planned_offers(state, strategies)

    def _drafted_truce_offers(self, state: RoundState, strategies=None) -> Offers:
        """Truce drafting (docs/model.md §15): each proposer plans its truce as if it carried
        m = 0, 1, …, M conditions (every responder's need raised to make up the delay D(m),
        :func:`talks.undelayed_need`), keeps the plans that carry the m they were made for,
        adds the plain truce (every truce term at status quo), and puts forward the feasible
        one worth most to it once priced with its own delay (:func:`talks.delayed`).

        Only the plan for m = 0 plans the settlement too (its needs do not move with m:
        the other plans' settlement offers would be the same, and are never read); with
        ``planning: exact`` every plan plans both agendas, its correction passes being
        decided over both (docs/model.md §9), so that the numbers stay the same."""
        p, need = state.params, state.need
        truces_only = state
        if p.planning != "exact":
            allowed = state.allowed.copy()
            allowed[SETTLEMENT] = False
            truces_only = state.replace(allowed=allowed)
        plans, assumed = [], []
        for m in range(int(p.truce_issue.sum()) + 1):
            raised = self._needs_delayed_by(state, need, np.full(p.n, m))
            if m == 0:   # the plain truce has no conditions either
                plain = state.replace(need=raised)
            plans.append(self._planned_offers(plain if m == 0 else truces_only.replace(need=raised), strategies))
            assumed.append(m)
        plans.append(self._plain_truces(plain, plans[0]))
        assumed.append(0)
        return self._best_priced(state, plans, assumed)

    def _needs_delayed_by(self, state: RoundState, need, conditions) -> np.ndarray:
        """Needs (A_j, A_p, G, N) with the truce's raised to make up the drafting delay of
        a truce with ``conditions`` (N,) conditions; the settlement's as they were."""
        p = state.params
        four = need if need.ndim == 4 else np.stack([need, need], axis=2)
        rounds = talks.truce_drafting_rounds(p, conditions)
        out = four.copy()
        out[:, :, TRUCE] = talks.undelayed_need(four[:, :, TRUCE], self._meanwhile(state), p.patience, rounds)
        return out

    def _plain_truces(self, state: RoundState, planned: Offers) -> Offers:
        """The plain truce of every proposer (truce terms at status quo), judged exactly
        against the needs ``state.need`` (raised for the delay of a truce without conditions)."""
        p, who = state.params, self._proposers
        y = np.broadcast_to(p.status_quo, (len(who), 2, p.n, p.n_issues)).copy()
        judged = judge(state, who, y, truce_only=True,   # the exact judge Compromise and Nash use
                       in_force=self._plain_in_force(state, y))
        out = Offers(planned.who, planned.y.copy(), planned.feasible.copy(), planned.own.copy())
        out.y[who, TRUCE], out.feasible[who, TRUCE], out.own[who, TRUCE] = (
            judged.y[:, TRUCE], judged.feasible[:, TRUCE], judged.own[:, TRUCE])
        return out

    def _plain_in_force(self, state: RoundState, y) -> np.ndarray:
        """Everyone's value of the plain truces y in force (:meth:`RoundState.truce_in_force`,
        binary terms rounded as the judge rounds them): the same in every sweep of a round
        (it depends on the front and beliefs, not on the proposer values), so computed once
        a round; the state's arrays it depends on are kept to tell a new round."""
        key = (state.params, state.valuation, state.balance, state.belief)
        cached = self._plain_cache
        if cached is None or any(a is not b for a, b in zip(cached[0], key)):
            binary = state.params.binary
            yt = np.where(binary, np.round(y), y)[:, TRUCE] if binary.any() else y[:, TRUCE]
            cached = self._plain_cache = (key, state.truce_in_force(yt))
        return cached[1]

    def _meanwhile(self, state: RoundState) -> np.ndarray:
        """(A, N): what the rounds a truce is drafted are worth to everyone: the status (war)
        value, or, in worlds where the front stands still meanwhile, the value of the plain
        truce (every truce term at status quo) in force (docs/model.md §15, "Standstill while
        drafting"); like the plain truce's, computed once a round."""
        p = state.params
        if not p.truce_standstill.any():
            return state.status
        key = (p, state.valuation, state.balance, state.belief, state.status)
        cached = self._meanwhile_cache
        if cached is None or any(a is not b for a, b in zip(cached[0], key)):
            plain = state.truce_in_force(p.status_quo[None])[:, 0]
            cached = self._meanwhile_cache = (key, np.where(p.truce_standstill, plain, state.status))
        return cached[1]

    def _best_priced(self, state: RoundState, plans: list[Offers], assumed: list[int]) -> Offers:
        """Per proposer and world, the truce plan worth most once priced with its delay among
        the feasible ones planned for the conditions they carry (if none is, the plan made for
        the longest delay: the most accommodating, which response noise may yet carry);
        settlement offers are the same in every plan (their needs were not moved)."""
        p = state.params
        carried, valid = [], []
        for o, m in zip(plans, assumed):
            y = np.where(p.binary, np.round(o.y[:, TRUCE]), o.y[:, TRUCE])      # (A, N, D)
            carried.append(truce.conditions(p, y))                             # (A, N)
            valid.append(o.feasible[:, TRUCE] & (carried[-1] == m))
        valid = np.stack(valid)                                               # (C, A, N)
        fallback, none = len(plans) - 2, ~valid.any(axis=0)
        # a plan's price is read only where it is valid, or where it is the fallback
        # and none is: value it exactly only in those worlds (the costly part)
        read = valid | (np.arange(len(plans)) == fallback)[:, None, None] & none[None]
        ys = np.stack([o.y[:, TRUCE] for o in plans])                           # (C, A, N, D)
        own = self._exact_truce_own(state, plans, ys, read[:, self._proposers].any(axis=(0, 1)))
        meanwhile = self._meanwhile(state)
        priced = np.stack([talks.delayed(own[c], meanwhile, p.patience, talks.truce_drafting_rounds(p, carried[c]))
                           for c in range(len(plans))])
        score = np.where(valid, priced, -np.inf)
        pick = np.where(~none, np.argmax(score, axis=0), fallback)
        out = plans[0]
        y, feasible, own = out.y.copy(), out.feasible.copy(), out.own.copy()
        y[:, TRUCE] = np.take_along_axis(ys, pick[None, ..., None], axis=0)[0]
        feasible[:, TRUCE] = valid.any(axis=0)
        own[:, TRUCE] = np.take_along_axis(priced, pick[None], axis=0)[0]
        return Offers(out.who, y, feasible, own)

    def _exact_truce_own(self, state: RoundState, plans: list[Offers], ys, worlds: np.ndarray) -> np.ndarray:
        """(C, A, N): each proposer's exact value of its truce offer ``ys`` (C, A, N, D) of
        each plan in force at once, in the worlds ``worlds`` (N,) (elsewhere meaningless:
        the caller does not read it; in worlds not at war, where no truce may be agreed,
        the war after it counts as 0); the plans' own values where not finite.
        The plain truce is compared with plans whose own value a fitted planner gets only
        approximately (the option of talks has a kink along a segment, §9); the comparison
        that decides plain or conditional is made on exact values."""
        who = self._proposers
        own = np.stack([o.own[:, TRUCE] for o in plans])                        # (C, A, N)
        if not worlds.any():
            return own
        exact = state.own_truce_values(ys[:, who].swapaxes(0, 1), who, read=worlds)   # (P, C, N)
        own[:, who] = np.where(np.isfinite(own[:, who]), exact.swapaxes(0, 1), own[:, who])
        return own

    def _planned_offers(self, state: RoundState, strategies=None) -> Offers:
        """Every actor's offers: the agents that may be recognised in the block propose
        (through their strategies, or ``strategies`` standing in for them, batched);
        actors never recognised make none (their continuation weight is 0, so their offers
        would change nothing)."""
        return Negotiator.propose_all([self.actors[a] for a in self._proposers], state, strategies)

    @property
    def _proposers(self) -> list[int]:
        p = self.params
        if p.recognition_mode == "alternating":
            return sorted({int(a) for a in p.recognition})
        return [a for a in range(p.n_actors) if (p.recognition[:, a] > 0).any()]

    def package_values(self, y, who: list[int], pairs: np.ndarray | None = None) -> np.ndarray:
        """Exact values (A, P, G, N) of packages y (P, G, N, D) put forward by ``who`` in
        the last round's state (:meth:`RoundState.package_values`)."""
        return self.state.package_values(y, who, pairs)

    # --- responses and agreement --------------------------------------------------
    def _respond_and_agree(self, t, offers, agenda_of, proposer, shock) -> None:
        p, N = self.params, self.params.n
        worlds = np.arange(N)
        agenda = agenda_of[proposer, worlds]
        proposing = (agenda >= 0) & self.open_worlds
        agenda = np.maximum(agenda, 0)
        y = offers.y[proposer, agenda, worlds].copy()
        y[:, p.binary] = np.round(y[:, p.binary])
        values = self._offer_values(y, agenda, proposer)
        moved = (np.abs(y - p.status_quo) > 1e-9)
        veto = p.is_party[:, None] | (moved[None] & p.controllers.T[:, None, :]).any(axis=2)  # (A, N)
        if p.rules is not None:   # a rule's voters are asked too (docs/model.md, "Decision rules")
            veto = self._voters(veto, agenda)
        asked = veto & proposing[None] & (np.arange(p.n_actors)[:, None] != proposer[None])
        offer = Tabled(proposer, agenda, proposing, y, values, asked)
        yes = np.empty((p.n_actors, N), bool)
        for agent in self.actors:   # each answers, never past its red lines (§16)
            yes[agent.index] = agent.respond(self.state, offer, shock[agent.index])
        agreed = proposing & (yes | ~asked).all(axis=0)
        if p.rules is not None:
            agreed = self._decided(agreed, proposing, yes, asked, agenda, proposer)
        if self.beliefs is not None:   # refusals are public: k < the cutoff planned for (§18)
            planned = self.planned_cutoff[proposer, agenda, :, worlds].T         # (A_j, N)
            self.beliefs.refused(asked & ~yes & np.isfinite(planned), planned)
        self._tally(t, agenda, asked, yes)
        self._agree(t, agreed, agenda, proposer, y)
        self.last = {"proposer": proposer, "agenda": np.where(proposing, agenda, -1), "y": y,
                         "values": values, "asked": asked, "yes": yes, "agreed": agreed}

    def _voters(self, veto, agenda) -> np.ndarray:
        """(A, N): the unanimity veto players ``veto`` plus the voters of each world's agenda rule."""
        out = veto.copy()
        for g, rule in enumerate(self.params.rules.agendas):
            if rule is not None:
                on = agenda == g
                out[:, on] |= (rule.members | rule.vetoes)[:, None]
        return out

    def _decided(self, agreed, proposing, yes, asked, agenda, proposer) -> np.ndarray:
        """Agreement where a decision rule holds: the ayes (the proposer's included) win every
        body and every veto player outside the bodies, and the rule's vetoes, said yes."""
        p = self.params
        out = agreed.copy()
        unanimity = p.is_party[:, None] | asked
        for g, rule in enumerate(p.rules.agendas):
            on = agenda == g
            if rule is None or not on.any():
                continue
            outside = unanimity[:, on] & ~rule.members[:, None] & ~rule.vetoes[:, None]
            out[on] = proposing[on] & p.rules.passes(g, yes[:, on] & asked[:, on], proposer[on], outside)
        return out

    def _offer_values(self, y, agenda, proposer) -> np.ndarray:
        """Exact value of each world's offer to every actor (A, N), in the round's state."""
        v, p, state = self.valuation, self.params, self.state
        # each world needs the value of its own agenda only
        u, truce_loss = v.package_losses(y)
        settle = state.settlement_values(u, y, state.belief, where=agenda == SETTLEMENT)
        arms = y[:, p.regen_issue] if p.regen_issue >= 0 else np.zeros(p.n)
        truce_v = v.truce_value(truce_loss, state.balance, arms, state.belief, p.truce_length,
                                where=agenda == TRUCE)
        option = state.option[:, proposer, np.arange(p.n)]
        truce_v = with_option(truce_v, state.proposer_value, option)
        if p.truce_drafting:   # in force only once drafted: war (or a standstill) meanwhile (§15)
            rounds = talks.truce_drafting_rounds(p, truce.conditions(p, y))
            truce_v = talks.delayed(truce_v, self._meanwhile(state), p.patience, rounds)
        return np.where(agenda[None] == SETTLEMENT, settle, truce_v)

    def _tally(self, t, agenda, asked, yes) -> None:
        o = self.out
        rows = np.arange(self.params.n)
        o["offers"][rows, :, agenda] += asked.T
        o["accepts"][rows, :, agenda] += (asked & yes).T
        first = (o["first_accept"] == 0) & (asked & yes).T
        o["first_accept"][first] = t

    def _agree(self, t, agreed, agenda, proposer, y) -> None:
        p = self.params
        # agreed in principle, on either agenda, whether or not it is ever in force (§12)
        self.out["principle_round"][agreed & (self.out["principle_round"] == 0)] = t
        settled = agreed & (agenda == SETTLEMENT)
        truce_now = agreed & (agenda == TRUCE)
        if p.talks:   # agreed in principle: drafted, then signed if ratified (§15)
            self._draft(t, settled, proposer, y)
        else:
            self._settle(t, settled, proposer, y)
        if p.truce_drafting:   # drafted first unless it needs no drafting (§15)
            truce_now = self._draft_truces(t, truce_now, proposer, y)
        self._enter_truce(t, truce_now, proposer, y)

    def _draft_truces(self, t, accepted, proposer, y) -> np.ndarray:
        """Truces accepted in round ``t``: those with a drafting time D > 0 are due in force at
        the end of round ``t + D``; returns the worlds where one is in force at once (D = 0)."""
        p = self.params
        rounds = talks.truce_drafting_rounds(p, truce.conditions(p, y))
        drafted = accepted & (rounds > 0)
        self.truce_due[drafted] = t + rounds[drafted]
        self.pending_truce_terms[drafted] = y[drafted]
        self.pending_truce_proposer[drafted] = proposer[drafted]
        still = drafted & p.truce_standstill
        if still.any():
            self._stand_still(t, still, proposer, y)
        return accepted & ~drafted

    def _stand_still(self, t, still, proposer, y) -> None:
        """Worlds ``still``, where the front stands still while a truce is drafted (§15,
        "Standstill while drafting"): the truce ``y`` agreed in round ``t`` counts from now
        (its class, round, terms), while the terms in force are the plain ceasefire's (every
        truce term at status quo) until its conditions are drafted (:meth:`_truce_drafted`)."""
        p = self.params
        first = still & (self.out["truces"] == 0)
        self._enter_truce(t, still, proposer, y)
        self.truce_terms[still] = np.where(p.truce_issue, p.status_quo, np.nan)[still]
        self.standing_still |= still
        self.out["stood_still"] |= first
        self.out["conditions_round"][first] = 0   # not yet: once drafted (_truce_drafted)

    def _enter_truce(self, t, truce_now, proposer, y, *, length=None,
                     kind_code: int = ceasefire.BILATERAL_GENERAL) -> None:
        """A truce in force in worlds ``truce_now`` from the end of round ``t``, lasting
        ``length`` rounds (default ``truce.length``); ``kind_code`` its ceasefire type.
        A unilateral halt holds the front like a truce but is no agreed truce: the outcome,
        its round and the count of truces stay as they were (cases/README.md's rule)."""
        p, o = self.params, self.out
        o["ceasefire"][truce_now & (o["ceasefire"] < 0)] = kind_code   # first ceasefire of any kind
        self.truce_len[truce_now] = p.truce_length if length is None else length
        self.unilateral[truce_now] = kind_code == ceasefire.UNILATERAL_GENERAL
        self.phase[truce_now] = IN_TRUCE
        self.partial_until[truce_now] = 0   # a truce replaces a partial ceasefire
        self.truce_age[truce_now] = 0
        self.truce_terms[truce_now] = np.where(p.truce_issue, y, np.nan)[truce_now]
        if kind_code == ceasefire.UNILATERAL_GENERAL:
            return
        # an agreed pause needs no vote in the bargaining: agreed in principle as it starts
        o["principle_round"][truce_now & (o["principle_round"] == 0)] = t
        first = truce_now & (o["truces"] == 0)
        kind = np.where(truce.is_conditional(p, y), CONDITIONAL, TEMPORARY)
        o["outcome"][first] = kind[first]
        o["truce_round"][first] = t
        o["agreement_round"][first] = t
        o["proposer"][first] = proposer[first]
        o["terms"][first] = np.where(p.truce_issue, y, np.nan)[first]
        o["conditions_round"][first] = t   # its terms in force at once (a standstill resets it)
        o["truces"][truce_now] += 1

    def _settle(self, t, settled, proposer, y) -> None:
        """A settlement in force in worlds ``settled``: recorded, and the world ends."""
        o = self.out
        o["outcome"][settled] = COMPREHENSIVE
        o["agreement_round"][settled] = t
        o["proposer"][settled] = proposer[settled]
        o["terms"][settled] = y[settled]
        self.phase[settled] = OVER

    def _plain_ceasefires(self, t: int, status, belief) -> bool:
        """Round ``t``, before the bargaining: the scenario's pauses and unilateral halts on the
        table are put forward (each with its chance) in worlds at war, and are in force from
        now where accepted — a plain pause needs no text, so it comes before talks on terms
        conclude (docs/model.md, "Ceasefire types"). Ceasefire k's draws in round t: whether
        it is put forward, stream (CEASEFIRE_KEY, k, 0), and actor a's answer shock, stream
        (CEASEFIRE_KEY, k, 1), at counter t * ROUND_STRIDE (+ a), every round, per world
        (docs/model.md, "Random numbers"). Returns whether any world paused."""
        p = self.params
        c = t * ROUND_STRIDE
        free = (self.phase == WAR) & (self.partial_until <= t)   # none holds after this round
        paused = np.zeros(p.n, bool)
        if p.truce_drafting:   # not while a truce is drafted (§15)
            free &= self.truce_due == 0
        refuses = np.stack([a.stalls(np.full(p.n, TRUCE), t) | ~a.signs[TRUCE] for a in self.actors])
        for k, cf in enumerate(p.ceasefires):
            put = self.streams.uniform((ceasefire.CEASEFIRE_KEY, k, 0), c) < cf.probability
            shock = self.streams.logistic_rows((ceasefire.CEASEFIRE_KEY, k, 1), p.n_actors, c)
            if not cf.on(t):
                continue
            margin = ceasefire.pause_margin(self.valuation, status, self.balance, belief, cf.length)
            agreed = free & put & ceasefire.accepted(cf, margin, p.noise, shock, refuses, p.is_party,
                                                     self.fought)
            free &= ~agreed
            if cf.partial:   # no truce: the war goes on at a share (cases/README.md's rule)
                self.out["ceasefire"][agreed & (self.out["ceasefire"] < 0)] = cf.code
                self.partial_until[agreed] = t + cf.length
                self.partial_share[agreed] = cf.share[agreed]
                continue
            self._enter_truce(t, agreed, np.full(p.n, cf.by, np.int16), p.status_quo,
                              length=cf.length, kind_code=cf.code)
            paused |= agreed
        return bool(paused.any())

    # --- talks as a process (docs/model.md §15) ------------------------------------------
    def _truce_drafted(self, t) -> None:
        """End of round ``t``: truces whose drafting ends now come into force where the war
        still goes on (an outright win, or a settlement signed meanwhile, ended the world)."""
        due = self.truce_due == t
        if not due.any():
            return
        self.truce_due[due] = 0
        still = due & self.standing_still   # the standstill held: its conditions take effect
        self.truce_terms[still] = np.where(self.params.truce_issue, self.pending_truce_terms, np.nan)[still]
        self.standing_still &= ~due
        # ... recorded for the run's first truce: a standstill counts its truce at acceptance and
        # a new truce needs the old one ended (its conditions dropped), so it is the first iff
        # one truce was agreed; not where a settlement signed this round ended the world
        first = still & (self.out["truces"] == 1) & (self.phase != OVER)
        self.out["conditions_round"][first] = t
        self._enter_truce(t, due & ~still & (self.phase == WAR), self.pending_truce_proposer,
                          self.pending_truce_terms)

    def _draft(self, t, settled, proposer, y) -> None:
        """Settlements agreed in principle in round ``t``: due for signing at the end of
        round ``t + drafting time``; meanwhile the war or truce goes on."""
        moved = np.abs(y - self.params.status_quo) > 1e-9
        due = t + talks.drafting_rounds(self.params, moved)
        self.sign_round[settled] = due[settled]
        self.pending_terms[settled] = y[settled]
        self.pending_proposer[settled] = proposer[settled]

    def _sign_drafted(self, t, uniforms) -> None:
        """End of round ``t``: drafts due now are signed where every named actor ratifies
        (the world ends in a comprehensive agreement), else they fall and talks resume.
        A world that ended meanwhile (an outright win) signs nothing."""
        due = (self.sign_round == t) & self.open_worlds
        if not due.any():
            return
        ok = due if uniforms is None else due & talks.ratified(self.params, uniforms)
        self.ratification_failures += int((due & ~ok).sum())
        self.sign_round[due] = 0
        self._settle(t, ok, self.pending_proposer, self.pending_terms)

    # --- dropping finished worlds -------------------------------------------------------
    COMPACT_BELOW = 0.7   # compact when fewer than this share of held worlds are open
    COMPACT_MIN = 64      # ... and more than this many worlds are held

    def _maybe_compact(self) -> None:
        """Stop carrying finished worlds: move their results out, shrink every array."""
        open_ = self.open_worlds
        held = open_.size
        if held <= self.COMPACT_MIN or open_.sum() >= self.COMPACT_BELOW * held:
            return
        self._flush(~open_)
        keep = np.flatnonzero(open_)
        self.ids = self.ids[keep]
        self.streams = self.streams.take(keep)
        self.params = self.params.take(keep)
        self.valuation = Valuation.build(self.params)
        for name in ("balance", "phase", "truce_age", "truce_len", "unilateral", "partial_until",
                     "partial_share", "fought", "truce_terms", "sign_round", "pending_terms",
                     "pending_proposer", "truce_due", "pending_truce_terms",
                     "pending_truce_proposer", "standing_still"):
            setattr(self, name, getattr(self, name)[keep])
        self.happens = self.happens[:, keep]
        if self.red_box is not None:
            self.red_box = self.red_box.take(keep)
        if self.beliefs is not None:
            self.beliefs = self.beliefs.take(keep)
        self.proposer_value = self.proposer_value[:, keep]
        self.out = {k: v[keep] for k, v in self.out.items()}
        taken = {}   # each shared strategy, for the worlds kept
        for agent in self.actors:
            agent.keep(keep)
            agent.bind(self.params)
            s = agent.strategy
            if id(s) not in taken:
                taken[id(s)] = (s.take(keep, self.params) if hasattr(s, "take")
                                else type(s)(self.params, self.valuation, self.red_box))
            agent.strategy = taken[id(s)]

    def _flush(self, rows: np.ndarray) -> None:
        """Copy the results of held worlds ``rows`` (mask) into the block-wide arrays."""
        if not hasattr(self, "_final"):
            N = self.n_worlds
            self._final = {k: np.empty((N,) + v.shape[1:], v.dtype) for k, v in self.out.items()}
            self._final["final_balance"] = np.empty(N)
        ids = self.ids[rows]
        for k, v in self.out.items():
            self._final[k][ids] = v[rows]
        self._final["final_balance"][ids] = self.balance[rows]

    # --- running and results ----------------------------------------------------------
    def run(self) -> BlockResult:
        """Play every round up to the horizon (stopping early once all worlds are over)."""
        while self.round < self.params.horizon and self.open_worlds.any():
            self.step()
        return self.result()

    def result(self) -> BlockResult:
        """Per-world results of every world of the block, in world order."""
        self._flush(np.ones(self.ids.size, bool))
        final = dict(self._final)
        return BlockResult(inputs=dict(self.inputs), **final)

    # --- one-world view (DataCollector) ---------------------------------------------------
    def _reporters(self) -> dict:
        p = self.params
        rep = {
            "round": lambda m: m.round,
            "balance": lambda m: float(m.balance[0]),
            "truce": lambda m: bool(m.phase[0] == IN_TRUCE and not m.unilateral[0]),   # agreed
            "ceasefire": lambda m: m._ceasefire_in_force(),
            "proposer": lambda m: p.actor_names[m.last["proposer"][0]] if m.last["agenda"][0] >= 0 else None,
            "agenda": lambda m: AGENDAS[m.last["agenda"][0]] if m.last["agenda"][0] >= 0 else None,
            "agreed": lambda m: bool(m.last["agreed"][0]),
        }
        for d, issue in enumerate(p.issue_names):
            rep[f"offer:{issue}"] = lambda m, d=d: float(m.last["y"][0, d]) if m.last["agenda"][0] >= 0 else np.nan
        for a, name in enumerate(p.actor_names):
            rep[f"accept:{name}"] = lambda m, a=a: bool(m.last["yes"][a, 0]) if m.last["asked"][a, 0] else np.nan
            rep[f"value:{name}"] = lambda m, a=a: float(m.last["values"][a, 0]) if m.last["agenda"][0] >= 0 else np.nan
            rep[f"reservation:{name}"] = lambda m, a=a: float(m.state.reservation[a, m.last["proposer"][0], 0])
        return rep

    def trajectory(self):
        """World 0, round by round, as a DataFrame (needs ``record=True``)."""
        if self.datacollector is None:
            raise RuntimeError("this model was built with record=False; use record=True")
        return self.datacollector.get_model_vars_dataframe().reset_index(drop=True)

    # --- evaluating an arbitrary package (theory checks, notebooks) -----------------------
    def evaluate(self, package, agenda: str = "settlement", proposer: str | None = None) -> dict:
        """How every actor would answer ``package`` now (exact best responses, τ ignored).

        ``package`` maps issue names to values (others at status quo).  Returns
        per-actor arrays over worlds: ``value``, ``reservation``, ``accept``.
        """
        p = self.params
        if agenda not in AGENDAS:
            raise ValueError(f"agenda must be one of {AGENDAS}, got {agenda!r}")
        unknown = set(package) - set(p.issue_names)
        if unknown:
            raise ValueError(f"unknown issues {sorted(unknown)}; known: {p.issue_names}")
        if self.round == 0:
            belief = self.valuation.belief_drift(war.drift_now(p, 1, self.happens))
            self.proposer_value = None
            self._bargain(1, self._round_state(1, belief, self._status_values(belief)))
        state = self.state
        y = p.status_quo.copy()
        for issue, value in package.items():
            y[:, p.issue_names.index(issue)] = value
        g = AGENDAS.index(agenda)
        who = p.actor_names.index(proposer) if proposer else None
        values = self._offer_values(y, np.full(p.n, g), np.full(p.n, who if who is not None else 0))
        out = {}
        for a, name in enumerate(p.actor_names):
            b = state.bonus[a, who] if who is not None else 0.0
            r = state.reservation[a, who if who is not None else a]
            accept = (values[a] + b >= r - 1e-12) & p.signs[a, g]
            if state.red_box is not None:
                accept = accept & ~red_lines.refusals(state.red_box, y, np.full(p.n, g))[a]
            out[name] = {"value": values[a], "reservation": r, "accept": accept}
        return out

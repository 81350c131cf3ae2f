"""The daily-step agent-based model: transmission, natural history and interventions.

Everything is vectorised over agents with numpy; a day costs a few passes over the whole
population (state counts, statuses) plus work proportional to the infectious agents and their
contacts. Contacts are drawn from the infectious side each day:

- household: every other member of the household;
- school, work: Poisson(``contacts``) members of the class or workplace, drawn with replacement;
- community: Poisson(``contacts``) agents of the whole city, chosen by age from a contact
  matrix (:mod:`civitrace.sim.mixing`; uniformly when the matrix is empty);
- venue: with ``venue_visit_prob`` the agent visits one of its regular venues and meets
  Poisson(regulars x visit chance) of the other regulars present that day.

Lockdowns scale the number of non-household contacts. Isolation, quarantine and hospital thin
contacts (a kept contact carries the full per-contact risk), so tracing sees only the contacts
that really happened. One :class:`numpy.random.Generator` seeded from ``seed`` drives the run:
the same scenario, population, days and seed give identical results.
"""

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from civitrace.sim import constants as c
from civitrace.sim import disease as d
from civitrace.sim import waitlist as w
from civitrace.sim.errors import ParameterError
from civitrace.sim.mixing import community_partners
from civitrace.sim.params import DiseaseParams
from civitrace.sim.population import Population
from civitrace.sim.scenario import Scenario

NEVER = np.iinfo(np.int32).max
MAX_DAYS = 3650

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

TOTALS = (
    "tests",
    "tests_abandoned",
    "test_wait_days",
    "quarantines",
    "false_alarm_quarantines",
    "index_cases_interviewed",
    "notified_manual",
    "notified_app",
    "notified_venue",
    "records_tests",
    "records_manual",
    "records_app",
    "records_location",
    "records_checkins",
    "retention_person_days",
)

FREE, QUARANTINED, ISOLATED, HOSPITAL = 0, 1, 2, 3  # movement status, rows of the factor table


@dataclass(frozen=True, slots=True)
class RunResult:
    """Everything one run produced: daily series, per-agent outcomes and totals."""

    scenario: str
    seed: int
    agents: int
    days: int
    series: dict[str, npt.NDArray[np.int64]]  # one value per day, see SERIES
    age_band: npt.NDArray[np.int8]
    smartphone: BoolArray
    has_app: BoolArray
    infected: BoolArray  # ever infected (including the initial infections)
    infected_by: IntArray  # the infector of each agent; -1 for none and for initial infections
    infection_layer: npt.NDArray[np.int8]  # layer of the infecting contact; -1 as above
    hospitalised: BoolArray
    died: BoolArray
    quarantine_days: npt.NDArray[np.int32]
    isolation_days: npt.NDArray[np.int32]
    totals: dict[str, float]


SERIES = (
    *c.STATE_NAMES,
    "new_infections",
    "new_diagnoses",
    "new_hospitalisations",
    "in_quarantine",
    "in_isolation",
    "tests",
    "test_queue",
    "measures_active",
)


def _expand(start: IntArray, size: IntArray) -> tuple[IntArray, IntArray]:
    """For groups given by (start, size): the owner index of each slot and the slot positions."""
    total = int(size.sum())
    owner = np.repeat(np.arange(size.shape[0], dtype=np.int32), size)
    offsets = np.arange(total, dtype=np.int32) - np.repeat(np.cumsum(size) - size, size).astype(
        np.int32
    )
    return owner, np.repeat(start, size) + offsets


class _Run:
    """Mutable state of one run; :func:`simulate` is its only user."""

    def __init__(
        self,
        scenario: Scenario,
        population: Population,
        disease: DiseaseParams,
        days: int,
        seed: int,
    ) -> None:
        self.sc = scenario
        self.pop = population
        self.days = days
        self.seed = seed
        self.rng = np.random.default_rng([seed, 0x5EED])
        n = population.size
        self.n = n
        self.scale = n / 100_000
        self.base_risk = disease.beta * disease.layer_weights.as_array()
        self.relative_infectiousness = np.ones(c.N_STATES)  # by the infector's state
        self.relative_infectiousness[c.ASYMPTOMATIC] = disease.asymptomatic_relative
        sus = np.asarray(disease.susceptibility_by_age, dtype=np.float64)
        self.susceptibility = None if (sus == 1.0).all() else sus
        self.thresholds = d.fate_thresholds(disease)
        self.state = np.zeros(n, dtype=np.int8)
        self.fate = np.zeros(n, dtype=np.int8)
        self.t_next = np.full(n, NEVER, dtype=np.int32)
        self.infected = np.zeros(n, dtype=np.bool_)
        self.infected_by = np.full(n, -1, dtype=np.int32)
        self.infection_layer = np.full(n, -1, dtype=np.int8)
        self.hospitalised = np.zeros(n, dtype=np.bool_)
        self.diagnosed = np.zeros(n, dtype=np.bool_)
        self.diagnose_day = np.full(n, NEVER, dtype=np.int32)
        self.isolated_until = np.zeros(n, dtype=np.int32)
        self.quarantine_until = np.zeros(n, dtype=np.int32)
        self.quarantine_due = np.full(n, NEVER, dtype=np.int32)
        self.test_due = np.full(n, NEVER, dtype=np.int32)
        self.quarantine_days = np.zeros(n, dtype=np.int32)
        self.isolation_days = np.zeros(n, dtype=np.int32)
        self.reconstructable = np.zeros(n, dtype=np.bool_)
        self.index_mask = np.zeros((3, n), dtype=np.bool_)  # manual, app, venue index cases
        self.factor = self._factor_table()
        self.series = {name: np.zeros(days, dtype=np.int64) for name in SERIES}
        self.totals: dict[str, float] = dict.fromkeys(TOTALS, 0.0)
        self.trace_queue = np.zeros(0, dtype=np.int32)
        self.log: deque[tuple[int, IntArray, IntArray, npt.NDArray[np.int8]]] = deque()
        self.log_days = max(
            scenario.manual_tracing.window_days if scenario.manual_tracing.enabled else 0,
            scenario.app.window_days if scenario.app.enabled else 0,
            scenario.venue_checkin.window_days if scenario.venue_checkin.enabled else 0,
        )
        self.measure_active = np.zeros(len(scenario.lockdowns), dtype=np.bool_)
        self.measure_since = np.zeros(len(scenario.lockdowns), dtype=np.int32)
        self.layer_scale = np.ones(c.N_LAYERS)
        self.has_app, self.checks_in = self._adopters()
        self.onset_today = np.zeros(0, dtype=np.int32)
        self.severe_today = np.zeros(0, dtype=np.int32)
        self.waitlist = w.WaitingList(n, scenario.testing.max_wait_days)

    def _adopters(self) -> tuple[BoolArray, BoolArray]:
        """Who carries the app (or a token) and who checks in at venues."""
        app = self.sc.app
        has_app = np.zeros(self.n, dtype=np.bool_)
        if app.enabled:
            draws = self.rng.random(self.n)
            has_app = np.where(self.pop.smartphone, draws < app.uptake, draws < app.token_coverage)
        checks_in = np.zeros(self.n, dtype=np.bool_)
        if self.sc.venue_checkin.enabled:
            checks_in = self.rng.random(self.n) < self.sc.venue_checkin.uptake
        return has_app, checks_in

    def _factor_table(self) -> npt.NDArray[np.float64]:
        table = np.ones((4, c.N_LAYERS))
        table[QUARANTINED] = self.sc.quarantine.factors.as_array()
        iso = self.sc.isolation
        table[ISOLATED] = iso.factors.as_array()
        if iso.facility:
            table[ISOLATED, c.HOUSEHOLD] = 0.0
        table[HOSPITAL] = 0.0
        return table

    # -- infection and natural history ---------------------------------------------------------

    def infect(self, agents: IntArray, t: int) -> None:
        self.state[agents] = c.EXPOSED
        self.infected[agents] = True
        self.fate[agents] = d.draw_fates(self.pop.age_band[agents], self.thresholds, self.rng)
        self.t_next[agents] = t + d.lognormal_days(c.LATENT_DAYS, agents.shape[0], self.rng)

    def progress(self, t: int) -> None:
        due = np.flatnonzero(self.t_next == t).astype(np.int32)
        self.onset_today = self.severe_today = np.zeros(0, dtype=np.int32)
        if due.shape[0] == 0:
            return
        s = self.state[due]
        f = self.fate[due]
        new_state = s.copy()
        dur_key: list[tuple[npt.NDArray[np.bool_], tuple[float, float] | None]] = []

        m = s == c.EXPOSED
        asym = m & (f == d.ASYMPTOMATIC_FATE)
        new_state[asym] = c.ASYMPTOMATIC
        new_state[m & ~asym] = c.PRESYMPTOMATIC
        dur_key += [(asym, c.ASYMPTOMATIC_RECOVERY_DAYS), (m & ~asym, c.PRESYMPTOMATIC_DAYS)]

        m = s == c.PRESYMPTOMATIC
        new_state[m] = c.MILD
        worse = m & (f >= d.SEVERE_FATE)
        dur_key += [(worse, c.ONSET_TO_SEVERE_DAYS), (m & ~worse, c.MILD_RECOVERY_DAYS)]
        self.onset_today = due[m]

        new_state[s == c.ASYMPTOMATIC] = c.RECOVERED

        m = s == c.MILD
        worse = m & (f >= d.SEVERE_FATE)
        new_state[worse] = c.SEVERE
        new_state[m & ~worse] = c.RECOVERED
        crit = worse & (f >= d.CRITICAL_FATE)
        dur_key += [(crit, c.SEVERE_TO_CRITICAL_DAYS), (worse & ~crit, c.SEVERE_RECOVERY_DAYS)]
        self.severe_today = due[worse]

        m = s == c.SEVERE
        worse = m & (f >= d.CRITICAL_FATE)
        new_state[worse] = c.CRITICAL
        new_state[m & ~worse] = c.RECOVERED
        dies = worse & (f == d.DEATH_FATE)
        dur_key += [(dies, c.CRITICAL_TO_DEATH_DAYS), (worse & ~dies, c.SEVERE_RECOVERY_DAYS)]

        m = s == c.CRITICAL
        new_state[m & (f == d.DEATH_FATE)] = c.DEAD
        new_state[m & (f != d.DEATH_FATE)] = c.RECOVERED

        next_t = np.full(due.shape[0], NEVER, dtype=np.int32)
        for mask, mean_sd in dur_key:
            k = int(mask.sum())
            if k and mean_sd is not None:
                next_t[mask] = t + d.lognormal_days(mean_sd, k, self.rng)
        self.state[due] = new_state
        self.t_next[due] = next_t
        self.hospitalised[self.severe_today] = True
        self.series["new_hospitalisations"][t] = self.severe_today.shape[0]

    # -- contacts and transmission -------------------------------------------------------------

    def _group_contacts(
        self, src: IntArray, groups_of: IntArray, start: IntArray, size: IntArray, mean: float
    ) -> tuple[IntArray, IntArray]:
        g = groups_of[src]
        has = g >= 0
        src, g = src[has], g[has]
        if src.shape[0] == 0 or mean <= 0:
            return src[:0], src[:0]
        k = self.rng.poisson(mean, src.shape[0])
        src_r = np.repeat(src, k)
        g_r = np.repeat(g, k)
        pos = start[g_r] + (self.rng.random(g_r.shape[0]) * size[g_r]).astype(np.int32)
        return src_r, pos

    def contacts(self, src: IntArray) -> tuple[IntArray, IntArray, npt.NDArray[np.int8]]:
        pop = self.pop
        cfg = pop.config
        per_layer = cfg.contacts.as_array() * self.layer_scale
        srcs: list[IntArray] = []
        dsts: list[IntArray] = []
        layers: list[npt.NDArray[np.int8]] = []

        def add(layer: int, s: IntArray, dd: IntArray) -> None:
            keep = s != dd
            srcs.append(s[keep])
            dsts.append(dd[keep])
            layers.append(np.full(int(keep.sum()), layer, dtype=np.int8))

        hh = pop.households
        h = hh.of[src]
        owner, pos = _expand(hh.start[h], hh.size[h])
        add(c.HOUSEHOLD, src[owner], hh.members[pos])
        for layer, groups in ((c.SCHOOL, pop.schools), (c.WORK, pop.workplaces)):
            if groups.count:
                s, p = self._group_contacts(
                    src, groups.of, groups.start, groups.size, per_layer[layer]
                )
                add(layer, s, groups.members[p])
        if per_layer[c.COMMUNITY] > 0:
            k = self.rng.poisson(per_layer[c.COMMUNITY], src.shape[0])
            s = np.repeat(src, k)
            add(c.COMMUNITY, s, community_partners(pop.community, s, self.n, self.rng))
        visit = cfg.venue_visit_prob * self.layer_scale[c.VENUE]
        if pop.venues.count and visit > 0:
            visitors = src[self.rng.random(src.shape[0]) < visit]
            pick = self.rng.integers(0, pop.regular_venues.shape[1], visitors.shape[0])
            venue = pop.regular_venues[visitors, pick]
            present = pop.venues.size[venue] * (visit / pop.regular_venues.shape[1])
            k = self.rng.poisson(present)
            s = np.repeat(visitors, k)
            v = np.repeat(venue, k)
            pos = pop.venues.start[v] + (self.rng.random(v.shape[0]) * pop.venues.size[v]).astype(
                np.int32
            )
            add(c.VENUE, s, pop.venues.members[pos])
        return np.concatenate(srcs), np.concatenate(dsts), np.concatenate(layers)

    def status(self, t: int) -> npt.NDArray[np.int8]:
        st = np.zeros(self.n, dtype=np.int8)
        if self.sc.quarantine.enabled:
            st[self.quarantine_until > t] = QUARANTINED
        if self.sc.isolation.enabled:
            st[self.isolated_until > t] = ISOLATED
        state = self.state
        st[(state == c.SEVERE) | (state == c.CRITICAL) | (state == c.DEAD)] = HOSPITAL
        return st

    def transmit(self, t: int, status: npt.NDArray[np.int8]) -> None:
        state = self.state
        src = np.flatnonzero((state >= c.PRESYMPTOMATIC) & (state <= c.MILD)).astype(np.int32)
        if src.shape[0] == 0:
            return
        s, dst, layer = self.contacts(src)
        # flat (status, layer) lookups: one 1-D gather each instead of 2-D fancy indexing
        lay = layer.astype(np.intp)
        factor = self.factor.ravel()
        keep_p = factor[status[s] * c.N_LAYERS + lay] * factor[status[dst] * c.N_LAYERS + lay]
        household_scale = np.ones(c.N_LAYERS)
        household_scale[c.HOUSEHOLD] = self.layer_scale[c.HOUSEHOLD]
        keep_p *= household_scale[lay]
        u = self.rng.random(s.shape[0])
        kept = u < keep_p
        risk = self.base_risk[lay] * keep_p
        risk *= self.relative_infectiousness[state[s]]
        if self.susceptibility is not None:
            risk = np.minimum(risk * self.susceptibility[self.pop.age_band[dst]], keep_p)
        hit = (u < risk) & (state[dst] == c.SUSCEPTIBLE)
        new, first = np.unique(dst[hit], return_index=True)
        if new.shape[0]:
            self.infected_by[new] = s[hit][first]
            self.infection_layer[new] = layer[hit][first]
            self.infect(new.astype(np.int32), t)
        self.series["new_infections"][t] = new.shape[0]
        if self.log_days:
            self.log.append((t, s[kept], dst[kept], layer[kept]))
            while self.log and self.log[0][0] <= t - self.log_days:
                self.log.popleft()

    # -- interventions -------------------------------------------------------------------------

    def diagnose(self, t: int) -> None:
        due = np.flatnonzero(self.diagnose_day == t).astype(np.int32)
        if due.shape[0] == 0:
            return
        due = due[~self.diagnosed[due]]
        self.diagnosed[due] = True
        self.series["new_diagnoses"][t] = due.shape[0]
        sc = self.sc
        if sc.isolation.enabled:
            comply = due[self.rng.random(due.shape[0]) < sc.isolation.adherence]
            self.isolated_until[comply] = t + sc.isolation.days
        if sc.quarantine.enabled and sc.quarantine.household:
            hh = self.pop.households
            owner, pos = _expand(hh.start[hh.of[due]], hh.size[hh.of[due]])
            members = hh.members[pos]
            members = members[(members != due[owner]) & ~self.diagnosed[members]]
            self.notify(members, t, 0, sc.quarantine.adherence, "")
        if sc.manual_tracing.enabled:
            self.trace_queue = np.concatenate([self.trace_queue, due])
        if sc.app.enabled:
            users = due[self.has_app[due]]
            if sc.app.adoption == "voluntary":
                users = users[self.rng.random(users.shape[0]) < sc.app.upload_prob]
            self.index_mask[1, users] = True
        if sc.venue_checkin.enabled:
            users = due[self.checks_in[due]]
            if sc.venue_checkin.register == "decentralized":
                users = users[self.rng.random(users.shape[0]) < sc.venue_checkin.share_prob]
            self.index_mask[2, users] = True

    def notify(self, agents: IntArray, t: int, delay: int, adherence: float, channel: str) -> None:
        """Contacts reached on day ``t + delay``: quarantine (with adherence) and maybe a test."""
        if agents.shape[0] == 0:
            return
        agents = np.unique(agents)
        if channel:
            self.totals[f"notified_{channel}"] += agents.shape[0]
        q = self.sc.quarantine
        if q.enabled:
            if q.electronic_fence:
                adherence = max(adherence, q.fence_adherence)
            comply = agents[self.rng.random(agents.shape[0]) < adherence]
            self.quarantine_due[comply] = np.minimum(self.quarantine_due[comply], t + delay)
        testing = self.sc.testing
        if testing.enabled and testing.contacts_tested > 0:
            tested = agents[self.rng.random(agents.shape[0]) < testing.contacts_tested]
            self.test_due[tested] = np.minimum(self.test_due[tested], t + delay)

    def trace(self, t: int) -> None:
        sc = self.sc
        mt = sc.manual_tracing
        if mt.enabled and self.trace_queue.shape[0]:
            capacity = mt.capacity_per_100k * self.scale
            take = (
                self.trace_queue.shape[0]
                if capacity == np.inf
                else int(self.rng.poisson(capacity) if capacity < 1 else round(capacity))
            )
            interviewed = self.trace_queue[:take]
            self.trace_queue = self.trace_queue[take:]
            self.index_mask[0, interviewed] = True
            self.reconstructable[interviewed] = True
            self.totals["index_cases_interviewed"] += interviewed.shape[0]
            self.totals["records_manual"] += interviewed.shape[0]
        if not self.index_mask.any():
            return
        found: list[list[IntArray]] = [[], [], []]
        any_index = np.asarray(self.index_mask.any(axis=0), dtype=np.bool_)
        for day, log_s, log_dst, log_layer in self.log:
            age = t - day
            # one pass over the day's log keeps the (few) contacts of any index case; the
            # channels then look only at those, in the same order, with the same draws
            of_index = np.flatnonzero(any_index[log_s])
            s, dst, layer = log_s[of_index], log_dst[of_index], log_layer[of_index]
            if mt.enabled and age < mt.window_days:
                sel = self.index_mask[0, s]
                recall = mt.recall.as_array()[layer[sel]]
                hit = dst[sel][self.rng.random(recall.shape[0]) < recall]
                found[0].append(hit)
            app = sc.app
            if app.enabled and age < app.window_days:
                sel = self.index_mask[1, s] & self.has_app[dst]
                detect = app.detection.as_array()[layer[sel]]
                ok = self.rng.random(detect.shape[0]) < detect
                found[1].append(dst[sel][ok])
                if app.architecture == "centralized":
                    self.totals["records_app"] += int(ok.sum())
            vc = sc.venue_checkin
            if vc.enabled and age < vc.window_days:
                sel = self.index_mask[2, s] & (layer == c.VENUE) & self.checks_in[dst]
                found[2].append(dst[sel])
        if sc.app.enabled and sc.app.architecture == "centralized":
            self.reconstructable[self.index_mask[1]] = True
            for app_hits in found[1]:
                self.reconstructable[app_hits] = True
        channels = (
            ("manual", mt.delay_days, mt.adherence),
            ("app", sc.app.delay_days, sc.app.adherence),
            ("venue", sc.venue_checkin.delay_days, sc.venue_checkin.adherence),
        )
        for channel_hits, (name, delay, adherence) in zip(found, channels, strict=True):
            if channel_hits:
                contacts = np.concatenate(channel_hits)
                contacts = contacts[~self.diagnosed[contacts] & (self.state[contacts] != c.DEAD)]
                if name == "manual":
                    self.totals["records_manual"] += np.unique(contacts).shape[0]
                self.notify(contacts, t, delay, adherence, name)
        self.index_mask[:] = False

    def test(self, t: int) -> None:
        testing = self.sc.testing
        if not testing.enabled:
            return
        queue = self.waitlist
        queue.add(self.severe_today, w.SEVERE_TIER, t)
        onset = self.onset_today
        seekers = onset[self.rng.random(onset.shape[0]) < testing.symptomatic_seek]
        queue.add(seekers, w.SYMPTOMATIC_TIER, t)
        if testing.contacts_tested > 0:
            due = np.flatnonzero(self.test_due <= t).astype(np.int32)
            self.test_due[due] = NEVER
            queue.add(due, w.CONTACT_TIER, t)
        if testing.random_daily > 0:
            count = int(self.rng.binomial(self.n, testing.random_daily))
            queue.add(self.rng.integers(0, self.n, count, dtype=np.int32), w.RANDOM_TIER, t)
        waiting = queue.waiting
        queue.keep(
            ~self.diagnosed[waiting]
            & (self.diagnose_day[waiting] == NEVER)
            & (self.state[waiting] != c.DEAD)
        )
        self.totals["tests_abandoned"] += queue.expire(t)
        capacity = testing.capacity_per_100k * self.scale
        if capacity == np.inf:
            daily = len(queue)
        else:
            daily = int(self.rng.poisson(capacity)) if capacity < 1 else int(capacity)
        candidates, waits = queue.serve(daily, t)
        self.series["tests"][t] = candidates.shape[0]
        self.series["test_queue"][t] = len(queue)
        self.totals["tests"] += candidates.shape[0]
        self.totals["test_wait_days"] += int(waits.sum())
        self.totals["records_tests"] += candidates.shape[0]
        st = self.state[candidates]
        positive = (
            (st >= c.PRESYMPTOMATIC)
            & (st <= c.CRITICAL)
            & (self.rng.random(candidates.shape[0]) < testing.sensitivity)
        )
        self.diagnose_day[candidates[positive]] = t + testing.delay_days

    def start_quarantines(self, t: int) -> None:
        if not self.sc.quarantine.enabled:
            return
        due = np.flatnonzero(self.quarantine_due <= t).astype(np.int32)
        if due.shape[0] == 0:
            return
        self.quarantine_due[due] = NEVER
        due = due[~self.diagnosed[due] & (self.state[due] != c.DEAD)]
        fresh = due[self.quarantine_until[due] <= t]
        self.totals["quarantines"] += fresh.shape[0]
        self.totals["false_alarm_quarantines"] += int((self.state[fresh] == c.SUSCEPTIBLE).sum())
        self.quarantine_until[due] = t + self.sc.quarantine.days
        if self.sc.quarantine.electronic_fence:
            self.reconstructable[due] = True

    def update_measures(self, t: int) -> None:
        if not self.sc.lockdowns:
            return
        lo = max(0, t - 7)
        scale = np.ones(c.N_LAYERS)
        for i, measure in enumerate(self.sc.lockdowns):
            key = "new_diagnoses" if measure.metric == "diagnosed" else "new_hospitalisations"
            recent = self.series[key][lo:t]
            level = float(recent.mean()) / self.scale if recent.shape[0] else 0.0
            if not self.measure_active[i]:
                if level >= measure.start_per_100k or t >= measure.start_day:
                    self.measure_active[i] = True
                    self.measure_since[i] = t
            elif t - self.measure_since[i] >= measure.min_days and level <= measure.stop_per_100k:
                self.measure_active[i] = False
            if self.measure_active[i]:
                scale *= measure.factors.as_array()
        self.layer_scale = scale
        self.series["measures_active"][t] = int(self.measure_active.sum())

    def account(self, t: int, status: npt.NDArray[np.int8]) -> None:
        counts = np.bincount(self.state, minlength=c.N_STATES)
        for i, name in enumerate(c.STATE_NAMES):
            self.series[name][t] = counts[i]
        alive = self.state != c.DEAD
        if self.sc.isolation.enabled:
            iso = (self.isolated_until > t) & alive
            self.isolation_days += iso
            self.series["in_isolation"][t] = int(iso.sum())
        if self.sc.quarantine.enabled:
            quar = status == QUARANTINED
            self.quarantine_days += quar
            n_quar = int(quar.sum())
            self.series["in_quarantine"][t] = n_quar
            if self.sc.quarantine.electronic_fence:
                self.totals["records_location"] += n_quar
        app = self.sc.app
        if app.enabled and app.location_tracking:
            self.totals["records_location"] += int(self.has_app.sum())
        vc = self.sc.venue_checkin
        if vc.enabled and vc.register == "central":
            visits = self.pop.config.venue_visit_prob * self.layer_scale[c.VENUE]
            self.totals["records_checkins"] += int(
                self.rng.binomial(int(self.checks_in.sum()), min(1.0, visits))
            )

    def finish(self) -> None:
        sc = self.sc
        tot = self.totals
        users = int(self.has_app.sum())
        if sc.app.enabled and (sc.app.architecture == "centralized" or sc.app.location_tracking):
            tot["records_app"] += users  # registration: a phone number per user
        if sc.app.enabled and sc.app.location_tracking:
            self.reconstructable |= self.has_app
        vc = sc.venue_checkin
        if vc.enabled and vc.register == "central":
            visit = self.pop.config.venue_visit_prob
            ever = 1.0 - (1.0 - visit) ** self.days
            self.reconstructable |= self.checks_in & (self.rng.random(self.n) < ever)
        tot["retention_person_days"] = (
            tot["records_tests"] * sc.testing.retention_days
            + tot["records_manual"] * sc.manual_tracing.retention_days
            + tot["records_app"] * sc.app.retention_days
            + tot["records_location"] * sc.app.retention_days
            + tot["records_checkins"] * vc.retention_days
        )
        tot["app_users"] = users
        tot["checkin_users"] = int(self.checks_in.sum())
        tot["reconstructable_people"] = int(self.reconstructable.sum())
        tot["authority_person_records"] = (
            tot["records_tests"]
            + tot["records_manual"]
            + tot["records_app"]
            + tot["records_location"]
            + tot["records_checkins"]
        )

    def run(self, on_day: Callable[[int], None] | None) -> RunResult:
        seeds = self.rng.choice(self.n, self.pop.config.initial_infections, replace=False)
        self.infect(seeds.astype(np.int32), 0)
        for t in range(self.days):
            self.progress(t)
            self.diagnose(t)
            self.trace(t)
            self.test(t)
            self.start_quarantines(t)
            self.update_measures(t)
            status = self.status(t)
            self.transmit(t, status)
            self.account(t, status)
            if on_day is not None:
                on_day(t)
        self.finish()
        return RunResult(
            scenario=self.sc.name,
            seed=self.seed,
            agents=self.n,
            days=self.days,
            series=self.series,
            age_band=self.pop.age_band,
            smartphone=self.pop.smartphone,
            has_app=self.has_app,
            infected=self.infected,
            infected_by=self.infected_by,
            infection_layer=self.infection_layer,
            hospitalised=self.hospitalised,
            died=self.state == c.DEAD,
            quarantine_days=self.quarantine_days,
            isolation_days=self.isolation_days,
            totals=self.totals,
        )


def simulate(
    scenario: Scenario,
    population: Population,
    days: int,
    seed: int,
    *,
    disease: DiseaseParams | None = None,
    on_day: Callable[[int], None] | None = None,
) -> RunResult:
    """Run ``scenario`` on ``population`` for ``days`` daily steps with the given seed."""
    if not (isinstance(days, int) and 1 <= days <= MAX_DAYS):
        raise ParameterError(f"days must be an integer in 1..{MAX_DAYS}, got {days!r}")
    if not (isinstance(seed, int) and 0 <= seed < 2**63):
        raise ParameterError(f"seed must be a non-negative integer, got {seed!r}")
    return _Run(scenario, population, disease or DiseaseParams(), days, seed).run(on_day)

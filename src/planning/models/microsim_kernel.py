"""Compiled yearly step of the household microsimulation (docs/microsim.md §3).

One Monte Carlo draw at a time (draws in parallel), each with its households in unit blocks
of slots (room for new households at the end of each block) held in thread-local arrays, so
memory does not grow with the number of draws. Random numbers are counter-based: the uniform
of the household at position i of unit c's block, for purpose ``stream`` in year t of draw d,
is a splitmix64 hash of (seed, d, t, stream, c, i), so a run and its no-money counterfactual
see the same numbers (common random numbers), money in one unit changes nothing in another,
and results depend neither on threads nor on the number of draws run.

Incomes are log points relative to the line in force (x = ln(income / line)): each household
holds its log permanent income and whether a setback hit it this year (its income this year is
then lower by the transitory loss (1 − φ)s, docs/model.md §5). Money is million VND; counts are
households.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from planning.models.engine import _MAX_P

#: state codes (docs/model.md §2) and poor-history labels (engine.DECOMPOSITION order)
P, N, E, O = 0, 1, 2, 3  # noqa: E741
UNREACHED, REACHED, RE_POOR, NEW_POOR, SWITCH_POOR = 0, 1, 2, 3, 4
#: rows of the output store: engine.OUTPUTS then engine.DECOMPOSITION
N_STORE = 14
#: rows of the per-draw parameter table
PER_DRAW = (
    "growth", "persistence", "setback_probability", "setback_loss", "setback_persistent_share",
    "escaped_relative_risk", "deprivation_onset", "deprivation_resolution", "near_poor_to_poor",
    "poor_to_near_poor", "household_growth", "capacity_uplift", "intensity_returns", "spread_scale",
    "money_scale", "newly_listed_to_poor",
)
# random streams
_S_NU, _S_SWBITS, _S_ROUND, _S_RESOLVE, _S_SETBACK, _S_ONSET, _S_BITS, _S_DONOR = 1, 2, 3, 4, 5, 6, 7, 8
_S_REMOVE = 9  # a reached household below the cut-off loses the deprivations a component acts on
_S_REACH = 64  # + component

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@numba.njit(cache=True, inline="always")
def _mix(z):  # pragma: no cover (compiled)
    """splitmix64: a bijective hash of a uint64."""
    z = z + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@numba.njit(cache=True)
def _base(seed, d, t, stream):  # pragma: no cover (compiled)
    return _mix(_mix(_mix(np.uint64(seed) ^ np.uint64(d)) ^ np.uint64(t)) ^ np.uint64(stream))


@numba.njit(cache=True, inline="always")
def _unif(base, i):  # pragma: no cover (compiled)
    """Uniform in [0, 1) for index ``i`` of the stream ``base``."""
    return float(_mix(base ^ np.uint64(i)) >> np.uint64(11)) * _TO_UNIT


@numba.njit(cache=True, inline="always")
def _popcount(v):  # pragma: no cover (compiled)
    v = np.int64(v)
    v = v - ((v >> 1) & 0x5555)
    v = (v & 0x3333) + ((v >> 2) & 0x3333)
    v = (v + (v >> 4)) & 0x0F0F
    return (v + (v >> 8)) & 0x1F


@numba.njit(cache=True)
def _gain_bits(b, mask, k, weights, base, slot):  # pragma: no cover (compiled)
    """Add deprivations of ``mask`` (drawn with ``weights``: the poor's profile) until ``k``."""
    J = weights.shape[0]
    b = np.int64(b)
    mask = np.int64(mask)
    it = 0
    while _popcount(b & mask) < k:
        total = 0.0
        for j in range(J):
            if (mask >> j) & 1 and not (b >> j) & 1:
                total += weights[j]
        if total <= 0.0:
            break
        r = _unif(base, slot * 32 + it) * total
        pick = -1
        acc = 0.0
        for j in range(J):
            if (mask >> j) & 1 and not (b >> j) & 1:
                pick = j
                acc += weights[j]
                if r < acc:
                    break
        b = b | (1 << pick)
        it += 1
    return np.uint16(b)


@numba.njit(cache=True)
def _lose_bits(b, mask, k, prefer, base, slot):  # pragma: no cover (compiled)
    """Remove deprivations of ``mask`` until fewer than ``k``: first those in ``prefer`` (what
    the programmes reaching the household act on), then uniformly among its own."""
    b = np.int64(b)
    mask = np.int64(mask)
    prefer = np.int64(prefer)
    it = 0
    while _popcount(b & mask) >= k:
        pool = b & mask & prefer
        if pool == 0:
            pool = b & mask
        n = _popcount(pool)
        target = int(_unif(base, slot * 32 + 16 + it) * n)
        seen = 0
        for j in range(16):
            if (pool >> j) & 1:
                if seen == target:
                    b = b & ~(1 << j)
                    break
                seen += 1
        it += 1
    return np.uint16(b)


@numba.njit(cache=True)
def _select_smallest(keys, idx, lo, n, m):  # pragma: no cover (compiled)
    """Reorder keys[lo:lo + n] (and idx alongside) so that its m smallest come first
    (quickselect, in place; the keys are uniform random numbers, so the middle pivot is fine)."""
    left = lo
    right = lo + n - 1
    kth = lo + m - 1
    while left < right:
        pivot = keys[(left + right) // 2]
        i = left
        j = right
        while i <= j:
            while keys[i] < pivot:
                i += 1
            while keys[j] > pivot:
                j -= 1
            if i <= j:
                keys[i], keys[j] = keys[j], keys[i]
                idx[i], idx[j] = idx[j], idx[i]
                i += 1
                j -= 1
        if kth <= j:
            right = j
        elif kth >= i:
            left = i
        else:
            break


@numba.njit(parallel=True, cache=True)
def run(x0, bits0, status0, esc0, members0, start, n0, room, masks, kmins, pmasks, pkmins, ratio,
        households_switch, amounts, targets, caps, cap_scale, is_ind, cap_bit, remove_bits, per_draw,
        shock, shock_fixed, inv_cost, effects, weights, support, seed, store, treated, spent, bad,
        fin_x, fin_hit, fin_bits, fin_status, fin_esc, fin_members, fin_alive, ind_count):  # pragma: no cover
    """Every draw over every year; outputs store[row, draw, unit, year] (engine.OUTPUTS then
    engine.DECOMPOSITION), treated/spent [draw, unit, component, year], bad[draw] households
    whose status disagreed with their (income this year, deprivations) at a review (0
    expected), and draw 0's final households in ``fin_*`` (``fin_x`` log permanent income,
    ``fin_hit`` hit by a setback in the last year, ``fin_alive`` [unit] households per block).
    ``x0`` is log permanent income relative to the line of the households' own standard.
    ``ind_count[draw, unit, year, indicator]`` (when its first axis is not empty): households
    deprived in each indicator at the end of each year.
    """
    S = x0.shape[0]
    D = per_draw.shape[1]
    C = start.shape[0]
    Y = masks.shape[0]
    K = targets.shape[0]
    maxroom = 0
    for c in range(C):
        maxroom = max(maxroom, room[c])
    for d in numba.prange(D):
        g_inc = per_draw[0, d]
        rho = per_draw[1, d]  # engine.persistence (no histogram term: there are no bins here)
        pi0 = per_draw[2, d]
        loss = per_draw[3, d]
        phi = per_draw[4, d]
        e_risk = per_draw[5, d]
        onset = per_draw[6, d]
        resolve = per_draw[7, d]
        nu = per_draw[8, d]
        xi_share = per_draw[9, d]
        hh_g = per_draw[10, d]
        uplift = per_draw[11, d]
        eta = per_draw[12, d]
        scale = per_draw[13, d]
        money_scale = per_draw[14, d]
        nu_new = per_draw[15, d]
        perm = phi * loss  # the part of a setback's loss that persists (log points)
        t_loss = loss - perm  # the part lost in the setback's year only
        drift = g_inc + pi0 * perm  # mean growth of permanent income in a normal year is g
        x = x0 * scale
        hit = np.zeros(S, dtype=np.uint8)
        bits = bits0.copy()
        status = status0.copy()
        esc = esc0.copy()
        members = members0.copy()
        label = np.zeros(S, dtype=np.uint8)
        gain = np.zeros(S)
        kpr = np.ones(S)
        kdep = np.ones(S)
        rmask = np.zeros(S, dtype=np.uint16)
        keys = np.empty(3 * maxroom)
        idx = np.empty(3 * maxroom, dtype=np.int64)
        cand = np.empty(maxroom, dtype=np.int64)  # the unit's poor, near-poor and newly escaped
        alive = n0.copy()
        sizes = np.zeros(3)
        pool = np.zeros(3, dtype=np.int64)
        want = np.zeros(3, dtype=np.int64)
        g_gain = np.zeros(3)
        g_dep = np.zeros(3)
        g_pro = np.zeros(3)
        for t in range(Y):
            mask = masks[t]
            k = kmins[t]
            b_nu = _base(seed, d, t, _S_NU)
            b_sw = _base(seed, d, t, _S_SWBITS)
            b_round = _base(seed, d, t, _S_ROUND)
            b_res = _base(seed, d, t, _S_RESOLVE)
            b_set = _base(seed, d, t, _S_SETBACK)
            b_on = _base(seed, d, t, _S_ONSET)
            b_bits = _base(seed, d, t, _S_BITS)
            b_don = _base(seed, d, t, _S_DONOR)
            b_rem = _base(seed, d, t, _S_REMOVE)
            for c in range(C):
                lo = start[c]
                hi = lo + alive[c]
                if hi <= lo:
                    continue
                ko = c * 4294967296 - lo  # hash index of slot i: (unit, position in its block)
                # ---- 1. change of standard (docs/model.md §8): the new indicator set is read
                # for the households listed at the last review (a share ν of the near-poor
                # become poor, a share ξ of the poor near-poor), then the line moves up and
                # unlisted households now at or below it are listed by their own flag
                dx = ratio[t, c]
                reclass = 0.0
                if dx != 0.0:
                    pm = pmasks[t]
                    pk = pkmins[t]
                    gained = 0
                    lost = 0
                    for i in range(lo, hi):
                        s = status[i]
                        x[i] -= dx
                        if households_switch:  # every listed household re-read by its own bits
                            if s <= N or x[i] <= 0.0:
                                new = P if _popcount(bits[i] & mask) >= k else N
                                if new == P and s != P:
                                    label[i] = SWITCH_POOR
                                    gained += 1
                                elif new != P and s == P:
                                    lost += 1
                                esc[i] = 0
                                status[i] = new
                            continue
                        # the engine's rule: flags carried except the ν and ξ shares, bits
                        # re-read under the new indicator set to agree with them
                        dep = _popcount(bits[i] & pm) >= pk
                        u = _unif(b_nu, ko + i)
                        if s == N and u < nu:
                            dep = True
                            status[i] = P
                            label[i] = SWITCH_POOR
                            gained += 1
                        elif s == P and u < xi_share:
                            dep = False
                            status[i] = N
                            lost += 1
                        elif s >= E and x[i] <= 0.0 and not dep and u < nu_new:
                            dep = True  # newly listed: the new indicator set reaches 3
                        cnt = _popcount(bits[i] & mask)
                        if dep and cnt < k:
                            bits[i] = _gain_bits(bits[i], mask, k, weights, b_sw, ko + i)
                        elif not dep and cnt >= k:
                            bits[i] = _lose_bits(bits[i], mask, k, np.uint16(0), b_sw, ko + i)
                        if s >= E and x[i] <= 0.0:  # newly below the line: listed
                            esc[i] = 0
                            if dep:
                                status[i] = P
                                label[i] = SWITCH_POOR
                                gained += 1
                            else:
                                status[i] = N
                    reclass = float(gained - lost)  # net change of the poor count
                # ---- 2. group sizes at the start of the year; programme reach (§4)
                sizes[:] = 0.0
                n_cand = 0
                for i in range(lo, hi):
                    s = status[i]
                    if s <= E:
                        sizes[s] += 1.0
                        cand[n_cand] = i
                        n_cand += 1
                    gain[i] = 0.0
                    kpr[i] = 1.0
                    kdep[i] = 1.0
                    rmask[i] = 0
                tot = float(hi - lo)
                cm = amounts[c, K, t] * money_scale
                m = 1.0 + uplift * cm / (cm + cap_scale * tot + 1e-12)
                spent[d, c, K, t] = cm
                for kc in range(K):
                    money = amounts[c, kc, t] * money_scale
                    if money <= 0.0:
                        continue
                    any_group = False
                    for gi in range(3):
                        want[gi] = 0
                        pool[gi] = 0
                        share = targets[kc, gi]
                        if share <= 0.0 or sizes[gi] <= 0.0:
                            continue
                        cap = caps[kc, gi, c]
                        reached = money * share * inv_cost[kc, d]
                        cv = cap * reached / (reached + cap * sizes[gi] + 1e-12) * m
                        if cv > 0.999:
                            cv = 0.999
                        n_pack = 1.0 + reached / (cap * sizes[gi] + 1e-12)
                        if n_pack > 1e6:
                            n_pack = 1e6
                        boost = n_pack ** eta
                        g_gain[gi] = effects[0, kc, d] * boost
                        g_dep[gi] = 1.0 - (1.0 - effects[1, kc, d]) ** boost
                        g_pro[gi] = 1.0 - (1.0 - effects[2, kc, d]) ** boost
                        # stochastic rounding keeps the expected households reached at cov·T
                        want[gi] = int(math.floor(cv * sizes[gi] + _unif(b_round, (c * 64 + kc) * 4 + gi)))
                        any_group = True
                    if not any_group:
                        continue
                    b_reach = _base(seed, d, t, _S_REACH + kc)
                    for q0 in range(n_cand):
                        i = cand[q0]
                        s = status[i]
                        if want[s] <= 0:
                            continue
                        if is_ind[kc] and (bits[i] & cap_bit[kc]) == 0:
                            continue
                        q = s * maxroom + pool[s]
                        keys[q] = _unif(b_reach, ko + i)
                        idx[q] = i
                        pool[s] += 1
                    for gi in range(3):
                        if want[gi] <= 0 or pool[gi] == 0:
                            continue
                        base_q = gi * maxroom
                        if want[gi] >= pool[gi]:
                            want[gi] = pool[gi]
                        else:  # the want[gi] smallest keys: uniform without replacement
                            _select_smallest(keys, idx, base_q, pool[gi], want[gi])
                        spent[d, c, kc, t] += money * targets[kc, gi]
                        treated[d, c, kc, t] += want[gi]
                        rbits = np.uint16(remove_bits[kc] if g_dep[gi] > 0.0 else 0)
                        for q in range(base_q, base_q + want[gi]):
                            i = idx[q]
                            gain[i] += g_gain[gi]
                            kpr[i] *= 1.0 - g_pro[gi]
                            kdep[i] *= 1.0 - g_dep[gi]
                            rmask[i] |= rbits
                            # below the cut-off the deprivations acted on go with the same
                            # probability (the status does not change; docs/model.md §4b)
                            if rbits != 0 and _popcount(bits[i] & mask) < k and \
                                    _unif(b_rem, (ko + i) * 64 + kc) < g_dep[gi]:
                                bits[i] = np.uint16(bits[i] & ~rbits)
                            if gi == P and label[i] == UNREACHED:
                                label[i] = REACHED
                # ---- 3.-4. deprivations fade; incomes grow, regress and suffer setbacks (§5)
                mu = 0.0
                for i in range(lo, hi):
                    mu += x[i] + gain[i]
                mu /= tot
                base_p = pi0 * shock[d, t] * shock_fixed[t, c]
                exits = 0.0
                lifts = 0.0
                re_poor = 0.0
                new_poor = 0.0
                for i in range(lo, hi):
                    s = status[i]
                    xi = x[i] + gain[i]
                    b = bits[i]
                    dep = _popcount(b & mask) >= k
                    if dep:
                        stay = 1.0 - resolve
                        if s == P:
                            stay *= kdep[i]
                        if _unif(b_res, ko + i) >= stay:
                            b = _lose_bits(b, mask, k, rmask[i], b_bits, ko + i)
                            dep = False
                    p = base_p * kpr[i]
                    if s == E:
                        p *= e_risk
                    if p > _MAX_P:
                        p = _MAX_P
                    xi = xi + drift - (1.0 - rho) * (xi - mu)
                    h = _unif(b_set, ko + i) < p
                    if h:
                        xi -= perm
                    x[i] = xi
                    hit[i] = 1 if h else 0
                    # ---- 5. the review: listed when the income this year is at or below the line
                    listed = (xi - t_loss if h else xi) <= 0.0
                    if h and listed and not dep and _unif(b_on, ko + i) < onset * kdep[i]:
                        # a setback that lists a household may add deprivations
                        b = _gain_bits(b, mask, k, weights, b_bits, ko + i)
                        dep = True
                    bits[i] = b
                    if listed:
                        new = P if dep else N
                        esc[i] = 0
                    elif s <= N:  # poor or near-poor
                        new = E
                        esc[i] = 1
                    elif s == E and esc[i] < support:
                        new = E
                        esc[i] += 1
                    else:  # other, or newly escaped for ``support`` reviews already
                        new = O
                        esc[i] = 0
                    if s == P and new != P:
                        exits += 1.0
                    if s == N and not listed:
                        lifts += 1.0
                    if new == P and s != P:
                        if s == E:
                            re_poor += 1.0
                            label[i] = RE_POOR
                        else:
                            new_poor += 1.0
                            label[i] = NEW_POOR
                    status[i] = new
                # ---- 6. new households copy random existing ones (never newly escaped)
                n_cur = alive[c]
                target = int(math.floor(n0[c] * (1.0 + hh_g) ** (t + 1) + 0.5))
                target = min(max(target, 1), room[c])
                if target > n_cur:
                    for i in range(lo + n_cur, lo + target):
                        donor = lo + int(_unif(b_don, ko + i) * n_cur)
                        x[i] = x[donor]
                        hit[i] = hit[donor]
                        bits[i] = bits[donor]
                        members[i] = members[donor]
                        s = status[donor]
                        if s == E:
                            s = O
                        status[i] = s
                        esc[i] = 0
                        label[i] = NEW_POOR
                        if s == P:
                            new_poor += 1.0
                elif target < n_cur:  # shrinking: random households leave
                    for j in range(n_cur - target):
                        last = lo + n_cur - 1 - j
                        i = lo + int(_unif(b_don, ko + last) * (n_cur - j))
                        x[i] = x[last]
                        hit[i] = hit[last]
                        bits[i] = bits[last]
                        members[i] = members[last]
                        status[i] = status[last]
                        esc[i] = esc[last]
                        label[i] = label[last]
                alive[c] = target
                hi = lo + target
                # ---- outputs; statuses checked against (income, deprivations)
                cnt = np.zeros(4)
                lab = np.zeros(5)
                for i in range(lo, hi):
                    s = status[i]
                    cnt[s] += 1.0
                    if s == P:
                        lab[label[i]] += 1.0
                    if (x[i] - t_loss if hit[i] else x[i]) <= 0.0:
                        ok = s == (P if _popcount(bits[i] & mask) >= k else N)
                    else:
                        ok = s == (E if esc[i] > 0 else O)
                    if not ok:
                        bad[d] += 1
                if ind_count.shape[0] > 0:
                    for i in range(lo, hi):
                        b = np.int64(bits[i])
                        j = 0
                        while b != 0:
                            if b & 1:
                                ind_count[d, c, t, j] += 1.0
                            b >>= 1
                            j += 1
                store[0, d, c, t] = float(hi - lo)
                store[1, d, c, t] = cnt[P]
                store[2, d, c, t] = cnt[N]
                store[3, d, c, t] = cnt[E]
                store[4, d, c, t] = exits
                store[5, d, c, t] = lifts
                store[6, d, c, t] = re_poor
                store[7, d, c, t] = new_poor
                store[8, d, c, t] = reclass
                for q in range(5):
                    store[9 + q, d, c, t] = lab[q]
        if d == 0 and fin_x.shape[0] == S:
            fin_x[:] = x
            fin_hit[:] = hit
            fin_bits[:] = bits
            fin_status[:] = status
            fin_esc[:] = esc
            fin_members[:] = members
            fin_alive[:] = alive

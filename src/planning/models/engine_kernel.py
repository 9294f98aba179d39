"""The compiled yearly step of the commune engine (numba): the change of standard, programme
coverage and effects, growth, regression, setbacks and deprivation dynamics, run in parallel
over (unit, draw) pairs. Equations in docs/model.md."""

from __future__ import annotations

import math

import numba
import numpy as np

from planning.models.engine_inputs import _MAX_P, BIN_WIDTH, LINE_BIN, N_BINS, X_LOW
from planning.models.engine_start import (
    _deposit,
    _initial,
    _listed_share,
    _range_of,
    _split,
    _spread,
    _start_near_poor,
)

#: kernel entries below this share of a group's households are dropped (far below any output's
#: precision: 1e-13 of a commune's households)
_TAIL = 1e-13


@numba.njit(cache=True)
def _pair(c, d, H0, P0, N0, E0, r_unit, start, amounts, targets, caps, ratio, shock_fixed, cap_scale,
          per_draw, shock, inv_cost, effects, decompose, store, slot, ind_out):  # pragma: no cover (compiled)
    """One (unit, draw) pair ``(c, d)`` over every year; see docs/model.md §3–§6 for the equations.

    Origin arrays A[o, deprived, bin] over log permanent income: o < L poor (L = 5 history
    labels with ``decompose``, else 1), then near-poor (L), newly escaped 1..S years ago
    (L + 1 .. L + S, S = E0.shape[0]), other (L + S + 1).
    An origin is the household's status at the last review, so the year's flows are read off
    where each origin's mass ends. After the move, ``Bk`` holds households not hit by a setback
    this year and ``Bh`` those hit (their income this year is below their permanent income by
    the transitory part of the loss, which decides their status at the review).

    ``ind_out[year, unit, draw, q]`` (when its first axis is not empty) feeds the deprivation
    ledger by indicator (models/indicators.py): q = 0 the households multiply deprived at the
    review; 1 + k the reached households below the cut-off whose deprivations component k
    removes; 1 + K + k the poor it lifts below the cut-off; 1 + 2K those no longer multiply
    deprived (fading and programmes), 2 + 2K those newly so at the review, 3 + 2K and 4 + 2K
    those made and unmade so by a change of standard, 5 + 2K + k the multiply deprived reached
    by component k whose deprivations fade, 5 + 3K the near-poor and newly escaped below the
    cut-off when the programmes reach them (docs/model.md §4b).
    """
    Y = amounts.shape[2]
    K = targets.shape[0]
    L = 5 if decompose else 1
    S = E0.shape[0]
    iN, iE, iO = L, L + 1, L + S + 1  # iE: first newly escaped cohort; iE .. iE + S − 1
    n_orig = L + S + 2
    lab_unreached, lab_reached, lab_re, lab_new, lab_switch = 0, 1, 2, 3, 4
    if not decompose:
        lab_unreached = lab_reached = lab_re = lab_new = lab_switch = 0
    h = BIN_WIDTH
    if H0[c] <= 0.0:
        return
    g = per_draw[0, d]
    sigma = per_draw[1, d]
    pi0 = per_draw[2, d]
    loss = per_draw[3, d]
    phi = per_draw[4, d]
    e_risk = per_draw[5, d]
    onset = per_draw[6, d]
    rcorr = r_unit[c] if not math.isnan(r_unit[c]) else per_draw[7, d]
    resolve = per_draw[8, d]
    nu = per_draw[9, d]
    xi = per_draw[10, d]
    hh_g = per_draw[11, d]
    uplift = per_draw[12, d]
    eta = per_draw[13, d]
    money_scale = per_draw[14, d]
    n_start = min(_start_near_poor(P0[c], N0[c], per_draw[15, d]), max(H0[c] - P0[c], 0.0))
    kappa = per_draw[16, d]
    nu_new = per_draw[17, d]
    perm = phi * loss  # the part of a setback's loss that persists (log points)
    t_bins = (1.0 - phi) * loss / h  # the part lost this year only, in bins
    # regression keeps the spread of permanent income at σ: the persistent losses add
    # π(1 − π)(φs)² a year and the histogram's linear shares about h²/6 (docs/model.md §10)
    rho = math.sqrt(max(1.0 - (pi0 * (1.0 - pi0) * perm * perm + h * h / 6.0) / (sigma * sigma), 0.25))
    drift = g + pi0 * perm  # mean growth of permanent income in a normal year is g
    A = np.zeros((n_orig, 2, N_BINS))
    Bk = np.zeros((n_orig, 2, N_BINS))
    Bh = np.zeros((n_orig, 2, N_BINS))
    lo = np.zeros(n_orig, dtype=np.int64)
    hi = np.zeros(n_orig, dtype=np.int64)
    blo = np.zeros(n_orig, dtype=np.int64)
    bhi = np.zeros(n_orig, dtype=np.int64)
    cov = np.zeros((K, 3))
    gain = np.zeros((K, 3))
    kern = np.zeros((3, N_BINS))
    kw = np.zeros(3, dtype=np.int64)
    keep_on = np.zeros(3)
    keep_pr = np.zeros(3)
    sizes = np.zeros(3)
    ef = np.zeros(K)  # coverage × deprivation effect of each component among the poor
    # 1 − (1 − e)^n as −expm1(n ln(1 − e)): the logs once per pair, not per year and group
    # (pow was a fifth of the engine's time with money on many components)
    ln_dep = np.empty(K)
    ln_pro = np.empty(K)
    for k in range(K):
        ln_dep[k] = math.log1p(-effects[1, k, d])
        ln_pro[k] = math.log1p(-effects[2, k, d])
    tmp = np.zeros((2, N_BINS))  # the convolution's output for one origin
    kk = np.zeros((2, N_BINS), dtype=np.int64)  # the year's move: target bin (kept, hit)
    gg = np.zeros((2, N_BINS))  # its share in bin kk
    ff = np.zeros((2, N_BINS))  # and in bin kk + 1
    want_ind = ind_out.shape[0] > 0
    cohorts = np.zeros(S)
    band = 0.0
    for k in range(S):
        cohorts[k] = E0[k, c]
    if math.isnan(cohorts[0]):
        band = S * max(g, 0.0)
    _initial(A, H0[c], P0[c], n_start, cohorts, start[0, c, d], sigma, rcorr, start[1, c, d], pi0,
             t_bins, L, band)
    for o in range(n_orig):
        lo[o], hi[o] = _range_of(A, o)
    tp = 0.0
    tn = 0.0
    te = 0.0
    te1 = 0.0  # newly escaped who are multiply deprived
    tot = 0.0
    sx = 0.0
    for t in range(Y):
        # ---- 1. change of standard: the line moves up by ratio (log points)
        reclass = 0.0
        flip_out = 0.0  # multiply deprived no longer (fading, programmes)
        flip_in = 0.0  # newly multiply deprived (a setback that lists the household)
        sw_in = 0.0  # made multiply deprived by a change of standard
        sw_out = 0.0  # no longer multiply deprived by a change of standard
        dx = ratio[t, c]
        if dx != 0.0:
            p_before = 0.0
            for o in range(L):
                for j in range(lo[o], hi[o]):
                    p_before += A[o, 1, j]
            Bk[:, :, :] = 0.0
            for o in range(n_orig):
                for dl in range(2):
                    for j in range(lo[o], hi[o]):
                        w = A[o, dl, j]
                        if w != 0.0:
                            _deposit(Bk, o, dl, j - dx / h, w)
            A[:, :, :] = Bk
            Bk[:, :, :] = 0.0
            Bh[:, :, :] = 0.0
            blo[:] = 0
            bhi[:] = 0
            # the new indicator set: a share of the near-poor reaches 3 deprivations (waste
            # treatment and internet use in) and a share of the poor falls below 3
            # (information means out)
            for j in range(N_BINS):
                moved = A[iN, 0, j] * nu * kappa  # the near-poor of the last review only
                sw_in += moved
                down = 0.0
                for o in range(L):
                    drop = A[o, 1, j] * xi
                    sw_out += drop
                    A[o, 1, j] -= drop
                    down += drop
                A[iN, 0, j] += down - moved
                A[lab_switch, 1, j] += moved
            # newly below the line: listed as poor or near-poor by their deprivations
            # (the new indicator set reaches them too: a share of those below 3 deprivations
            # reaches 3)
            for o in range(iE, n_orig):
                for j in range(LINE_BIN):
                    made = A[o, 1, j] + A[o, 0, j] * nu_new
                    sw_in += A[o, 0, j] * nu_new * kappa
                    sw_out += A[o, 1, j] * (1.0 - kappa)
                    A[lab_switch, 1, j] += made * kappa
                    A[iN, 0, j] += A[o, 0, j] + A[o, 1, j] - made * kappa
                    A[o, 1, j] = 0.0
                    A[o, 0, j] = 0.0
            p_after = 0.0
            for o in range(L):
                for j in range(N_BINS):
                    p_after += A[o, 1, j]
            reclass = p_after - p_before  # net: made poor − fallen below 3 deprivations
            for o in range(n_orig):
                lo[o], hi[o] = _range_of(A, o)
        # ---- 2. group sizes (kept from last year's review) and programme coverage
        if dx != 0.0 or t == 0:
            tp = 0.0
            tn = 0.0
            te = 0.0
            te1 = 0.0
            tot = 0.0
            sx = 0.0
            for o in range(n_orig):
                so = 0.0
                s1 = 0.0
                for dl in range(2):
                    for j in range(lo[o], hi[o]):
                        w = A[o, dl, j]
                        so += w
                        s1 += w * dl
                        sx += w * (X_LOW + (j + 0.5) * h)
                tot += so
                if o < L:
                    tp += so
                elif o == iN:
                    tn += so
                elif o < iO:
                    te += so
                    te1 += s1
        sizes[0] = tp
        sizes[1] = tn
        sizes[2] = te
        cm = amounts[c, K, t] * money_scale
        m = 1.0 + uplift * cm / (cm + cap_scale * tot + 1e-12)
        keep_dep = 1.0  # poor not lifted below the cut-off by deprivation components
        keep_on[:] = 1.0  # onset of deprivations among the reached
        keep_pr[:] = 1.0  # setback probability among the reached
        miss = 1.0  # poor reached by no component
        gained = 0.0  # Σ mass × log points moved up by programmes (for the mean)
        for k in range(K):
            money = amounts[c, k, t] * money_scale
            ef[k] = 0.0
            if want_ind:
                ind_out[t, c, d, 1 + k] = 0.0
                ind_out[t, c, d, 5 + 2 * K + k] = 0.0
            for gi in range(3):
                cov[k, gi] = 0.0
                gain[k, gi] = 0.0
                share = targets[k, gi]
                if money <= 0.0 or share <= 0.0:
                    continue
                cap = caps[k, gi, c]
                reached = money * share * inv_cost[k, d]
                cv = cap * reached / (reached + cap * sizes[gi] + 1e-12) * m
                if cv > 0.999:
                    cv = 0.999
                cov[k, gi] = cv
                # money beyond one package per reached household buys more support each:
                # packages per reached household n = 1 + h / (c_max T), effects grow as n^η
                n_pack = 1.0 + reached / (cap * sizes[gi] + 1e-12)
                if n_pack > 1e6:
                    n_pack = 1e6
                boost = math.exp(eta * math.log(n_pack)) if eta != 0.0 else 1.0
                gain[k, gi] = effects[0, k, d] * boost
                gained += cv * gain[k, gi] * sizes[gi]
                e_dep = -math.expm1(boost * ln_dep[k])
                e_pro = -math.expm1(boost * ln_pro[k])
                keep_on[gi] *= 1.0 - cv * e_dep
                keep_pr[gi] *= 1.0 - cv * e_pro
                if gi == 0:
                    keep_dep *= 1.0 - cv * e_dep
                    miss *= 1.0 - cv
                    ef[k] = cv * e_dep
                elif want_ind:  # reached below the cut-off: the near-poor, the escaped not deprived
                    below = tn if gi == 1 else te - te1
                    ind_out[t, c, d, 1 + k] += cv * e_dep * below
                if want_ind and gi != 1:  # the multiply deprived it reaches that fade this year
                    ind_out[t, c, d, 5 + 2 * K + k] += resolve * cv * (tp if gi == 0 else te1)
        if want_ind:
            ind_out[t, c, d, 5 + 3 * K] = tn + te - te1  # listed or escaped, below the cut-off
            # the poor lifted below the cut-off by programmes this year, each component's
            # part in proportion to its hazard −ln(1 − cov·e)
            lifted = tp * (1.0 - resolve) * (1.0 - keep_dep)
            hz = 0.0
            for k in range(K):
                hz -= math.log(1.0 - ef[k])
            for k in range(K):
                ind_out[t, c, d, 1 + K + k] = lifted * (-math.log(1.0 - ef[k]) / hz) if hz > 0.0 else 0.0
        if decompose and miss < 1.0:
            for dl in range(2):
                for j in range(lo[lab_unreached], hi[lab_unreached]):
                    moved = A[lab_unreached, dl, j] * (1.0 - miss)
                    A[lab_unreached, dl, j] -= moved
                    A[lab_reached, dl, j] += moved
            lo[lab_reached] = min(lo[lab_reached], lo[lab_unreached])
            hi[lab_reached] = max(hi[lab_reached], hi[lab_unreached])
        # ---- 3. income gains of the reached: the components reach households
        # independently, so a group's gains are one convolution with the distribution of
        # the sum of its components' gains (in bins, linear shares between bins)
        for gi in range(3):
            width = 1
            kern[gi, 0] = 1.0
            for k in range(K):
                cv = cov[k, gi]
                b = gain[k, gi]
                if cv <= 0.0 or b <= 0.0:
                    continue
                sh = b / h
                whole = int(sh)
                f = sh - whole
                new_w = min(width + whole + 1, N_BINS)
                for q in range(new_w - 1, -1, -1):
                    v = kern[gi, q] * (1.0 - cv) if q < width else 0.0
                    src = q - whole
                    if 0 <= src < width:
                        v += cv * (1.0 - f) * kern[gi, src]
                    src -= 1
                    if 0 <= src < width:
                        v += cv * f * kern[gi, src]
                    kern[gi, q] = v
                width = new_w
                # the far tail (all of many components at once) holds almost no mass: drop
                # it so the convolution below does not run over empty bins
                while width > 1 and kern[gi, width - 1] < _TAIL:
                    width -= 1
            kw[gi] = width
        for o in range(n_orig):
            if o >= iO or hi[o] <= lo[o]:
                continue
            gi = 0 if o < L else (1 if o == iN else 2)
            width = kw[gi]
            if width <= 1:
                continue
            # out of place (tmp), so the inner loop has no aliasing and vectorises
            end = min(hi[o] + width - 1, N_BINS)
            for j in range(lo[o], end):
                tmp[0, j] = 0.0
                tmp[1, j] = 0.0
            for j in range(lo[o], hi[o]):
                w0 = A[o, 0, j]
                w1 = A[o, 1, j]
                if w0 == 0.0 and w1 == 0.0:
                    continue
                top = min(width, N_BINS - j)
                for q in range(top):
                    tmp[0, j + q] += w0 * kern[gi, q]
                    tmp[1, j + q] += w1 * kern[gi, q]
                for q in range(top, width):  # beyond the grid: the top bin
                    tmp[0, N_BINS - 1] += w0 * kern[gi, q]
                    tmp[1, N_BINS - 1] += w1 * kern[gi, q]
            for j in range(lo[o], end):
                A[o, 0, j] = tmp[0, j]
                A[o, 1, j] = tmp[1, j]
            hi[o] = end
        # ---- 4. deprivations fade (programmes, development); permanent incomes grow and
        # regress to the mean; setbacks hit (their persistent part moves permanent income,
        # the transitory part only this year's income). Flips commute with the gains (same
        # shift for both flags), so they are applied cell by cell in the same pass.
        mu = (sx + gained) / tot if tot > 0.0 else 0.0
        base_p = pi0 * shock[t, d] * shock_fixed[t, c]
        ph = perm / h
        # where each bin's mass goes (bin and shares), the same for every origin: once a year
        for j in range(N_BINS):
            pos = j + (drift - (1.0 - rho) * (X_LOW + (j + 0.5) * h - mu)) / h
            _split(pos, j, kk, gg, ff, 0)
            _split(pos - ph, j, kk, gg, ff, 1)
        for o in range(n_orig):
            for dl in range(2):
                for j in range(blo[o], bhi[o]):
                    Bk[o, dl, j] = 0.0
                    Bh[o, dl, j] = 0.0
            if hi[o] <= lo[o]:
                blo[o] = 0
                bhi[o] = 0
                continue
            gi = 0 if o < L else (1 if o == iN else (2 if o < iO else 3))
            p = base_p
            stay = 1.0 - resolve
            if gi < 3:
                p *= keep_pr[gi]
            if gi == 0:
                stay *= keep_dep
            if gi == 2:
                p *= e_risk
            if p > _MAX_P:
                p = _MAX_P
            x_lo = X_LOW + (lo[o] + 0.5) * h
            x_hi = X_LOW + (hi[o] - 0.5) * h
            p_lo = lo[o] + (drift - (1.0 - rho) * (x_lo - mu)) / h - ph
            p_hi = hi[o] - 1 + (drift - (1.0 - rho) * (x_hi - mu)) / h
            blo[o] = min(max(int(math.floor(p_lo)) - 1, 0), N_BINS)
            bhi[o] = min(max(int(math.floor(p_hi)) + 3, 0), N_BINS)
            q_keep = 1.0 - p
            for j in range(lo[o], hi[o]):
                w0 = A[o, 0, j]
                w1 = A[o, 1, j]
                if w0 == 0.0 and w1 == 0.0:
                    continue
                f1 = w1 * stay
                flip_out += w1 - f1
                f0 = w0 + w1 - f1
                _spread(Bk, o, kk[0, j], gg[0, j], ff[0, j], f0 * q_keep, f1 * q_keep)
                _spread(Bh, o, kk[1, j], gg[1, j], ff[1, j], f0 * p, f1 * p)
        # ---- 5. the review at the end of the year: who is listed (income this year at
        # or below the line), flows by origin, statuses for next year, new households
        # (shaped like the existing ones) and the outputs, in one pass
        for o in range(n_orig):
            for dl in range(2):
                for j in range(lo[o], hi[o]):
                    A[o, dl, j] = 0.0
        grow = 1.0 + hh_g
        exits = tp
        lifts = 0.0
        re_poor = 0.0
        new_poor = 0.0
        tp = 0.0
        tn = 0.0
        te = 0.0
        te1 = 0.0
        tot = 0.0
        sx = 0.0
        for o in range(n_orig):
            if o < L:
                lab = o
            elif iE <= o < iO:
                lab = lab_re
            else:
                lab = lab_new
            gi = 0 if o < L else (1 if o == iN else (2 if o < iO else 3))
            on = onset * (keep_on[gi] if gi < 3 else 1.0)
            # unlisted households move on: "other" stays "other" (and its new households
            # too); the newly escaped are one more year since leaving the list (after S
            # years "other"); those who left the list this year are newly escaped; new
            # households that resemble the last two are "other" (no exit behind them)
            nxt = iO if o == iO else (min(o + 1, iO) if o >= iE else iE)
            g_nxt = grow if o == iO else 1.0
            g_oth = 0.0 if o == iO else hh_g
            for hit in range(2):
                B = Bh if hit == 1 else Bk
                thr = t_bins if hit == 1 else 0.0
                # the bins split into three runs: wholly listed (below the line), partly
                # listed (a transitory loss straddles the line) and not listed; the first
                # and last skip the terms that are zero there (the sums come out the same)
                j_all = min(max(blo[o], LINE_BIN), bhi[o])
                j_none = min(max(LINE_BIN + int(math.ceil(thr)), j_all), bhi[o])
                for j in range(blo[o], bhi[o]):
                    w0 = B[o, 0, j]
                    w1 = B[o, 1, j]
                    if w0 == 0.0 and w1 == 0.0:
                        continue
                    sx += (w0 + w1) * (X_LOW + (j + 0.5) * h)
                    tot += w0 + w1
                    if j < j_none:
                        ls = 1.0 if j < j_all else _listed_share(j, thr)
                        l0 = w0 * ls
                        l1 = w1 * ls
                        u0 = w0 - l0
                        u1 = w1 - l1
                        if hit == 1 and l0 != 0.0:
                            # a setback that puts a household on the list may add deprivations
                            l1 += l0 * on
                            flip_in += l0 * on * grow
                            l0 -= l0 * on
                        tp += l1
                        tn += l0
                        if o < L:
                            exits -= l1
                        elif iE <= o < iO:
                            re_poor += l1
                        else:
                            new_poor += l1
                        A[lab, 1, j] += l1 * grow
                        A[iN, 0, j] += l0 * grow
                        if j < j_all or (u0 == 0.0 and u1 == 0.0):
                            continue
                    else:
                        u0 = w0
                        u1 = w1
                    A[nxt, 0, j] += u0 * g_nxt
                    A[nxt, 1, j] += u1 * g_nxt
                    if o != iO:
                        A[iO, 0, j] += u0 * g_oth
                        A[iO, 1, j] += u1 * g_oth
                        if nxt < iO:
                            te += u0 + u1
                            te1 += u1
                        if o == iN:
                            lifts += u0 + u1
        if decompose:
            # households formed this year and born poor are "newly poor", whatever the
            # label of the household they resemble
            for o in range(L):
                if o == lab_new:
                    continue
                for j in range(N_BINS):
                    added = A[o, 1, j] * hh_g / grow
                    if added != 0.0:
                        A[o, 1, j] -= added
                        A[lab_new, 1, j] += added
        new_poor += hh_g * tp
        tot *= grow
        tp *= grow
        tn *= grow
        sx *= grow
        for o in range(n_orig):
            lo[o], hi[o] = _range_of(A, o)
        if want_ind:
            d1 = 0.0
            for o in range(n_orig):
                for j in range(lo[o], hi[o]):
                    d1 += A[o, 1, j]
            ind_out[t, c, d, 0] = d1
            ind_out[t, c, d, 1 + 2 * K] = flip_out
            ind_out[t, c, d, 2 + 2 * K] = flip_in
            ind_out[t, c, d, 3 + 2 * K] = sw_in
            ind_out[t, c, d, 4 + 2 * K] = sw_out
        values = (tot, tp, tn, te, exits, lifts, re_poor, new_poor, reclass)
        for q in range(9):
            if slot[q] >= 0:
                store[slot[q], t, c, d] = values[q]
        if decompose:
            for q in range(5):
                if slot[9 + q] >= 0:
                    v = 0.0
                    for j in range(lo[q], hi[q]):
                        v += A[q, 1, j]
                    store[slot[9 + q], t, c, d] = v


@numba.njit(parallel=True, cache=True)
def _kernel(H0, P0, N0, E0, r_unit, start, amounts, targets, caps, ratio, shock_fixed, cap_scale,
            per_draw, shock, inv_cost, effects, decompose, store, slot, ind_out):  # pragma: no cover
    """Every (unit, draw) pair over every year, in parallel over pairs (:func:`_pair`).

    The pair's work is its own compiled function so that numba's parallel pass sees only this
    loop: compiling the kernel took 31 s with the pair's body inside the loop, 14 s without."""
    C = H0.shape[0]
    D = per_draw.shape[1]
    for pair in numba.prange(C * D):
        _pair(pair // D, pair % D, H0, P0, N0, E0, r_unit, start, amounts, targets, caps, ratio,
              shock_fixed, cap_scale, per_draw, shock, inv_cost, effects, decompose, store, slot, ind_out)

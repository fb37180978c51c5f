"""The fused kernel: the ensemble's spin-up and quarterly loop compiled with numba, one run at a time.

The numpy kernel (:mod:`casim.ensemble` calling :mod:`casim.dynamics`) stays
the reference: this module computes the same equations in the same order, so
the two agree to ~1e-15 (tests/test_fused.py holds them to 1e-12). It takes
the static coefficients the ensemble computes with numpy (per distinct
parameter set, and again at each step where a shock changes them), packed
(:func:`pack`) and stacked as ``coef`` ``(sets, rows, 11, S, P)`` in the
order of :data:`FIELDS` and ``ties`` ``(sets, rows, S, S)``, and per run:

* is compiled once per number of states and powers (:func:`kernel`: the
  shapes are constants to the compiler, which unrolls the loops over them);
* spins up to the starting equilibrium with its own early stop (once per
  distinct parameter row, the first time a run needs it);
* advances the quarters with no batch-wide temporaries, drawing the run's
  random shocks as it goes from its own PCG64 stream: the bit generator of
  ``numpy.random.default_rng(seed)`` (128-bit LCG, XSL-RR output) and numpy's
  ziggurat ``standard_normal`` (the tables numba ships for its own
  ``np.random`` support), bit for bit the normals the Mesa model draws.

Without numba the module still imports (:data:`AVAILABLE` is false) and the
ensemble falls back to the numpy kernel; so it does if a numba release moves
the ziggurat tables (a private module of numba), rather than draw other
numbers (and tests/test_fused.py checks the draws against numpy's bit for bit).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from .seeding import _seed_sequence_words

try:
    import numba
    from numba.np.random._constants import fi_double, ki_double, wi_double, ziggurat_nor_inv_r, ziggurat_nor_r
except ImportError:  # the fallback: casim runs the numpy kernel
    numba = None  # type: ignore[assignment]

AVAILABLE = numba is not None
VERSION = numba.__version__ if numba is not None else None

# coefficients of a run's decision, in the order of the `coef` array's third axis
FIELDS = ("base", "econ", "leverage", "noise", "inv_temp", "hold", "anchor", "inertia", "keep", "engage", "retain")


def pack(terms: tuple[Mapping[str, np.ndarray], Mapping[str, np.ndarray]], shape) -> tuple[np.ndarray, np.ndarray]:
    """One coefficient set ``(static, response)`` (dynamics.static_terms, response_terms) as new arrays ``(coef,
    ties)``: ``(rows, 11, S, P)`` in the order of :data:`FIELDS`, and ``(rows, S, S)``; ``shape`` is (rows, S, P)."""
    U, S, P = shape
    static, response = terms
    both = {**static, **response}
    coef, ties = np.empty((U, len(FIELDS), S, P)), np.empty((U, S, S))  # copies: the caller may rewrite the terms
    for c, name in enumerate(FIELDS):
        coef[:, c] = both[name]
    ties[:] = static["ties"]
    return coef, ties


def rng_states(seeds) -> np.ndarray:
    """The PCG64 state of ``numpy.random.default_rng(seed)`` for each seed, as ``(runs, 4)`` uint64 words (state high,
    low; increment high, low): SeedSequence's words (vectorised in casim.seeding), then PCG64's seeding step."""
    return _seed(_seed_sequence_words(seeds))


if numba is not None:
    _njit = numba.njit(cache=True, nogil=True, error_model="numpy")  # numpy: no Python exceptions on division
    _inline = numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
    _M_HI, _M_LO = np.uint64(2549297995355413924), np.uint64(4865540595714422341)  # PCG64's 128-bit multiplier
    _W32, _S32 = np.uint64(0xFFFFFFFF), np.uint64(32)
    _ZERO, _ONE = np.uint64(0), np.uint64(1)
    _KI, _WI, _FI = ki_double.astype(np.uint64), wi_double.astype(np.float64), fi_double.astype(np.float64)
    _NOR_R, _NOR_INV_R = float(ziggurat_nor_r), float(ziggurat_nor_inv_r)

    @_njit
    def _mulhi(a, b):
        """The high 64 bits of the 128-bit product of two uint64."""
        a_lo, a_hi, b_lo, b_hi = a & _W32, a >> _S32, b & _W32, b >> _S32
        t = a_hi * b_lo + ((a_lo * b_lo) >> _S32)
        w = a_lo * b_hi + (t & _W32)
        return a_hi * b_hi + (t >> _S32) + (w >> _S32)

    @_njit
    def _add(st, hi, lo):
        """``st[0:2] += (hi, lo)`` modulo 2**128."""
        low = st[1] + lo
        st[0] = st[0] + hi + (_ONE if low < lo else _ZERO)
        st[1] = low

    @_njit
    def _step(st):
        """One step of PCG64's 128-bit LCG: state = state * multiplier + increment."""
        hi, lo = st[0], st[1]
        st[0], st[1] = _mulhi(lo, _M_LO) + lo * _M_HI + hi * _M_LO, lo * _M_LO
        _add(st, st[2], st[3])

    @_njit
    def _seed(words):
        """PCG64 seeded from ``SeedSequence.generate_state(4, uint64)`` words ``(a, b, c, d)`` per run (numpy's
        pcg64_set_seed: increment (c, d) << 1 | 1; state = increment + (a, b), stepped once)."""
        out = np.empty((len(words), 4), dtype=np.uint64)
        for r in range(len(words)):
            a, b, c, d = words[r, 0], words[r, 1], words[r, 2], words[r, 3]
            st = out[r]
            st[0], st[1] = _ZERO, _ZERO
            st[2], st[3] = (c << _ONE) | (d >> np.uint64(63)), (d << _ONE) | _ONE
            _add(st, st[2], st[3])
            _add(st, a, b)
            _step(st)
        return out

    @_njit
    def next_uint64(st):
        """numpy's PCG64 ``next_uint64``: step the 128-bit LCG ``st`` (4 uint64 words) and output XSL-RR."""
        _step(st)
        x, rot = st[0] ^ st[1], st[0] >> np.uint64(58)
        return (x >> rot) | (x << ((np.uint64(64) - rot) & np.uint64(63)))

    @_njit
    def _next_double(st):
        return np.float64(next_uint64(st) >> np.uint64(11)) * (1.0 / 9007199254740992.0)

    @_njit
    def standard_normal(st):
        """numpy's ``Generator.standard_normal`` (ziggurat, ``random_standard_normal`` in numpy's distributions.c)."""
        while True:
            r = next_uint64(st)
            idx = np.intp(r & np.uint64(0xFF))
            r >>= np.uint64(8)
            rabs = (r >> _ONE) & np.uint64(0x000FFFFFFFFFFFFF)
            x = np.float64(rabs) * _WI[idx]
            if r & _ONE:
                x = -x
            if rabs < _KI[idx]:
                return x
            if idx == 0:
                while True:
                    xx = -_NOR_INV_R * np.log1p(-_next_double(st))
                    yy = -np.log1p(-_next_double(st))
                    if yy + yy > xx * xx:
                        return -(_NOR_R + xx) if (rabs >> np.uint64(8)) & _ONE else _NOR_R + xx
            elif (_FI[idx - 1] - _FI[idx]) * _next_double(st) + _FI[idx] < np.exp(-0.5 * x * x):
                return x

    @_inline
    def _decide(c, ties, A, eng, coe, shock, new, z, S, P):
        """One quarter's decisions (``shock`` the quarter's S*P normals; None: spin-up, no responses, no noise, no
        inertia) into ``new``; ``S``, ``P``: the states and powers, constants in :func:`kernel`'s loop.

        Same operations in the same order as dynamics.utility, choose and commit.
        """
        for s in range(S):
            for p in range(P):
                u = 0.0
                for j in range(S):
                    u += ties[s, j] * A[j, p]
                u += c[0, s, p]
                if shock is None:
                    z[p] = u * c[4, s, p]
                else:
                    u += eng[s, p] * c[1, s, p]
                    u += coe[s, p] * c[2, s, p]
                    z[p] = (u + c[3, s, p] * shock[s * P + p]) * c[4, s, p]
            top, k = z[0], 0
            for p in range(1, P):
                if z[p] > top:
                    top, k = z[p], p
            total = 0.0
            for p in range(P):
                z[p] = 1.0 if p == k else np.exp(z[p] - top)  # exp(0) is 1 exactly: one exp saved a state
                total += z[p]
            for p in range(P):
                goal = c[5, s, p] * (z[p] / total) + c[6, s, p]
                new[s, p] = goal if shock is None else (goal - A[s, p]) * c[7, s, p] + A[s, p]

    @_inline
    def spin_up(c, ties, n, tol, A, new, z, S, P):
        """The starting equilibrium into ``A`` (from 1/P): at most ``n`` iterations, stopping once no share moves by
        ``tol`` or more. Returns the iterations made (``new`` ``(S, P)`` and ``z`` ``(P,)``: work space)."""
        A[:] = 1.0 / P
        for it in range(n):
            _decide(c, ties, A, A, A, None, new, z, S, P)
            moved = False
            for s in range(S):
                for p in range(P):
                    if not abs(new[s, p] - A[s, p]) < tol:
                        moved = True
            A[:] = new
            if not moved:
                return it + 1
        return n

    def _loop(S, P):
        """The compiled loop over runs for ``S`` states and ``P`` powers: the shapes are constants to the compiler
        (a closure's cells), so it unrolls the loops over states and powers (1.3x faster than reading them from the
        arrays, the same numbers bit for bit). numba caches it on disk once per (S, P): its cache key holds them."""

        @_njit
        def loop(coef, ties, which, rows, n_spin, tol, rng, out, start, iterations):
            R, T1 = out.shape[0], out.shape[1]
            eng, coe, z, eps = np.empty((S, P)), np.empty((S, P)), np.empty(P), np.empty(S * P)
            for r in range(R):
                row = rows[r]
                if iterations[row] < 0:
                    c0, t0 = coef[which[0], row], ties[which[0], row]
                    iterations[row] = spin_up(c0, t0, n_spin, tol, start[row], eng, z, S, P)
                ref = start[row]
                out[r, 0] = ref
                eng[:] = 0.0
                coe[:] = 0.0
                st = rng[r]
                for t in range(1, T1):
                    for k in range(S * P):  # the quarter's draws first, in numpy's order (states, then powers)
                        eps[k] = standard_normal(st)
                    c, new = coef[which[t], row], out[r, t]
                    _decide(c, ties[which[t], row], out[r, t - 1], eng, coe, eps, new, z, S, P)
                    for s in range(S):
                        for p in range(P):
                            drift = new[s, p] - ref[s, p]
                            up = drift if not drift < 0.0 else 0.0
                            down = -drift if not -drift < 0.0 else 0.0
                            eng[s, p] = c[8, s, p] * eng[s, p] + c[9, s, p] * up
                            coe[s, p] = c[8, s, p] * coe[s, p] + c[10, s, p] * down

        return loop

    _LOOPS: dict = {}

    def kernel(S: int, P: int):
        """The compiled loop for ``S`` states and ``P`` powers (made once per process and shape)."""
        if (S, P) not in _LOOPS:
            _LOOPS[S, P] = _loop(S, P)
        return _LOOPS[S, P]

    def compiled() -> list:
        """The loops made in this process (their ``signatures``: what numba compiled or loaded for them)."""
        return list(_LOOPS.values())

    def run(coef, ties, which, rows, n_spin, tol, rng, out, start, iterations) -> None:
        """Trajectories of runs ``(R, T+1, S, P)`` into ``out`` (by :func:`kernel` of its S and P).

        ``which[t]`` the coefficient set in force at step t; ``rows[r]`` run r's
        parameter row; ``rng`` ``(R, 4)`` each run's PCG64 state (advanced in
        place); ``start`` ``(rows, S, P)`` and ``iterations`` ``(rows,)``
        (-1: not spun up yet) the starting equilibria, filled as runs need them.
        """
        kernel(int(out.shape[2]), int(out.shape[3]))(coef, ties, which, rows, n_spin, tol, rng, out, start, iterations)

"""Per-run seeds spawned from one base seed with numpy's SeedSequence."""

from __future__ import annotations

from typing import TypedDict

import numpy as np


class PCG64Internal(TypedDict):
    state: int
    inc: int


class PCG64State(TypedDict):
    """The ``state`` of a ``numpy.random.PCG64`` bit generator."""

    bit_generator: str
    state: PCG64Internal
    has_uint32: int
    uinteger: int


def run_seed(base: int, index: int) -> int:
    """The seed of run ``index``: child ``index`` of ``SeedSequence(base)``, as a 63-bit integer.

    It equals ``SeedSequence(base).spawn(n)[index]`` for any ``n > index``, so
    a run's seed does not depend on how the runs are split into chunks; and
    ``numpy.random.default_rng(seed)`` reproduces the run on its own.
    """
    hi, lo = np.random.SeedSequence(base, spawn_key=(index,)).generate_state(2, np.uint32)
    return int((int(hi) & 0x7FFFFFFF) << 32 | int(lo))


def run_seeds(base: int, n: int, start: int = 0) -> np.ndarray:
    """Seeds of runs ``start .. start + n - 1`` (int64), each equal to ``run_seed(base, index)``.

    Computed for all runs at once: the base seed's part of SeedSequence's entropy
    pool is the same for every run, so only the mixing of each run's spawn key
    is done per run, vectorised (tests check equality with ``run_seed``).
    """
    np.random.SeedSequence(base)  # numpy's own checks: a negative seed is an error
    base = int(base)
    index = np.arange(start, start + n, dtype=np.uint64)
    out = np.empty(n, np.int64)
    wide = index >= np.uint64(1 << 32)  # a spawn key of two words: beyond any real run count, done one by one
    for i in np.flatnonzero(wide):
        out[i] = run_seed(base, int(index[i]))
    narrow = ~wide
    words = [np.full(1, w, np.uint32) for w in _uint32_words(base)]
    words += [np.zeros(1, np.uint32)] * (4 - len(words))  # SeedSequence pads the run entropy when a spawn key follows
    hi, lo = _generate(_mix_pool([*words, index[narrow].astype(np.uint32)]), 2)
    out[narrow] = ((hi.astype(np.int64) & 0x7FFFFFFF) << 32) | lo.astype(np.int64)
    return out


def _uint32_words(x: int) -> list[int]:
    """An integer as SeedSequence reads it: little-endian 32-bit words, ``[0]`` for zero."""
    words = []
    while x:
        words.append(x & 0xFFFFFFFF)
        x >>= 32
    return words or [0]


# -- fast generator states ---------------------------------------------------
# The ensemble needs one Generator per run. Building ``default_rng(seed)`` costs
# ~15 us, mostly numpy's SeedSequence hashing done one seed at a time; that is
# more than the run's whole dynamics. ``pcg64_states`` computes the same PCG64
# states for many seeds at once: SeedSequence's documented mixing, vectorised
# over seeds in uint32 arithmetic, then PCG64's seeding step. Tests check it
# equals ``numpy.random.PCG64(seed).state`` exactly, so a numpy change that
# broke the equality would fail the suite rather than change results silently.

_INIT_A, _MULT_A = np.uint32(0x43B0D7E5), np.uint32(0x931E8875)
_INIT_B, _MULT_B = np.uint32(0x8B51F9DD), np.uint32(0x58F38DED)
_MIX_L, _MIX_R = np.uint32(0xCA01F9DD), np.uint32(0x4973F715)
_PCG_MULT = (2549297995355413924 << 64) + 4865540595714422341
_MASK128 = (1 << 128) - 1


def _mix_pool(entropy: list[np.ndarray]) -> list[np.ndarray]:
    """SeedSequence's entropy pool (4 uint32 words) from its assembled entropy words, each an array over seeds."""
    h = _INIT_A

    def hashmix(v):
        nonlocal h
        v = v ^ h
        h = np.uint32(h * _MULT_A)
        v = v * h
        return v ^ (v >> np.uint32(16))

    def mix(x, y):
        r = _MIX_L * x - _MIX_R * y
        return r ^ (r >> np.uint32(16))

    with np.errstate(over="ignore"):
        pool = [hashmix(w) for w in entropy[:4]]
        for src in range(4):
            for dst in range(4):
                if src != dst:
                    pool[dst] = mix(pool[dst], hashmix(pool[src]))
        for word in entropy[4:]:
            for dst in range(4):
                pool[dst] = mix(pool[dst], hashmix(word))
    return pool


def _generate(pool: list[np.ndarray], n_words: int) -> list[np.ndarray]:
    """``generate_state(n_words, uint32)`` from an entropy pool."""
    hb = _INIT_B
    words = []
    with np.errstate(over="ignore"):
        for i in range(n_words):
            v = pool[i % 4] ^ hb
            hb = np.uint32(hb * _MULT_B)
            v = v * hb
            words.append(v ^ (v >> np.uint32(16)))
    return words


def _seed_sequence_words(seeds: np.ndarray) -> np.ndarray:
    """``SeedSequence(seed).generate_state(4, uint64)`` for each non-negative seed < 2**64."""
    s = np.asarray(seeds).astype(np.uint64)
    zero = np.zeros(len(s), np.uint32)
    entropy = [(s & np.uint64(0xFFFFFFFF)).astype(np.uint32), (s >> np.uint64(32)).astype(np.uint32), zero, zero]
    words = _generate(_mix_pool(entropy), 8)
    return np.ascontiguousarray(np.stack(words, 1)).view(np.uint64)


def pcg64_states(seeds) -> list[PCG64State]:
    """The state of ``numpy.random.PCG64(seed)`` for each seed, ready for ``bit_generator.state = ...``."""
    out: list[PCG64State] = []
    for a, b, c, d in _seed_sequence_words(seeds).tolist():
        inc = ((((c << 64) | d) << 1) | 1) & _MASK128
        state = (inc + ((a << 64) | b)) & _MASK128  # srandom: state 0 stepped is inc; add the seed
        state = (state * _PCG_MULT + inc) & _MASK128  # and step once more
        out.append({"bit_generator": "PCG64", "state": {"state": state, "inc": inc}, "has_uint32": 0, "uinteger": 0})
    return out

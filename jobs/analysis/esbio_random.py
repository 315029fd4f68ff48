"""esbio's random numbers in numpy, for checking a run outside esbio (docs/design.md 4.1).

Every random number of a run is a pure function of (seed, stream, generation, member, index):
Philox-4x32-10 with key = the 64-bit seed and counter = (block low 32 bits, block high 32 bits
XOR member, generation, stream); a pair of normals is Box-Muller on a whole block, each uniform
taking 53 bits of a half-block. This module re-implements the normals from the documentation, and
replay_evidence.py checks them against the initial voltages esbio wrote into a traces file; ES
noise is the same normals on another stream (docs/design.md 4.1 gives each stream's counters).

    from esbio_random import stream, normals
    v0 = -20 + 5 * normals(seed, stream.TRIAL_STATE, generation, member, trials * neurons)
"""
import numpy as np

M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
MASK = np.uint64(0xFFFFFFFF)
VALIDATION = 0xFFFFFFFF  # the generation number of task B's fixed validation batch


class stream:
    INIT, PERTURBATION, BATCH, DATA, TRIAL_STATE, LOWRANK, RESTART = 1, 2, 3, 4, 5, 6, 7


def philox4x32(c0, c1, c2, c3, k0, k1, rounds=10):
    """Philox-4x32-10 of uint32 counter arrays (vectorised over blocks) and a scalar key."""
    c = [np.asarray(x, dtype=np.uint32) for x in (c0, c1, c2, c3)]
    k0, k1 = np.uint32(k0), np.uint32(k1)
    with np.errstate(over="ignore"):
        for r in range(rounds):
            if r > 0:
                k0, k1 = k0 + W0, k1 + W1
            p0 = M0 * c[0].astype(np.uint64)
            p1 = M1 * c[2].astype(np.uint64)
            c = [((p1 >> np.uint64(32)).astype(np.uint32) ^ c[1] ^ k0),
                 (p1 & MASK).astype(np.uint32),
                 ((p0 >> np.uint64(32)).astype(np.uint32) ^ c[3] ^ k1),
                 (p0 & MASK).astype(np.uint32)]
    return c


def blocks(seed, stream_id, generation, member, first_block, count):
    """The raw 4x32-bit blocks first_block, ..., first_block + count - 1 of one stream."""
    idx = np.arange(first_block, first_block + count, dtype=np.uint64)
    lo = (idx & MASK).astype(np.uint32)
    hi = ((idx >> np.uint64(32)) & MASK).astype(np.uint32) ^ np.uint32(member)
    return philox4x32(lo, hi, np.full_like(lo, generation), np.full_like(lo, stream_id),
                      seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF)


def _unit(hi, lo):
    bits = ((hi.astype(np.uint64) << np.uint64(32)) | lo.astype(np.uint64)) >> np.uint64(11)
    return bits.astype(np.float64) * 2.0 ** -53


def normals(seed, stream_id, generation, member, count, first=0):
    """Standard normal variates first, ..., first + count - 1: Box-Muller, a pair per block."""
    b0 = first // 2
    w = blocks(seed, stream_id, generation, member, b0, (first + count + 1) // 2 - b0 + 1)
    u1 = _unit(w[0], w[1]) + 2.0 ** -53  # in (0, 1]: the logarithm stays finite
    u2 = _unit(w[2], w[3])
    r, a = np.sqrt(-2.0 * np.log(u1)), 2.0 * np.pi * u2
    both = np.stack([r * np.cos(a), r * np.sin(a)], axis=1).ravel()
    return both[first - 2 * b0: first - 2 * b0 + count]


if __name__ == "__main__":
    # The Random123 known-answer vectors (tests/unit/test_random.cpp checks esbio's against the
    # same); replay_evidence.py checks the streams against initial voltages esbio wrote.
    kat = [((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
           ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
           ((0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344), (0xA4093822, 0x299F31D0),
            (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1))]
    for ctr, key, want in kat:
        got = tuple(int(x) for x in philox4x32(*ctr, *key))
        assert got == want, (ctr, key, [hex(x) for x in got])
    print("esbio_random: Philox-4x32-10 matches the Random123 known-answer vectors")

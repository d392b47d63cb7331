"""Side-by-side timings of the course library against its peers: ``python -m benchmarks [--quick]``.

The peers (micrograd 0.1.0, PyTorch 2.13.0 CPU) come from ``requirements-bench.txt``, which is
not part of the student or test install; a row whose peer (or whose bpcourse module) is missing
prints "skipped (reason)". Every row first checks that ours and the peer compute the same numbers
(same loss, same gradients or the same parameters after a step, from the same initial weights),
then times both *interleaved* (ours, peer, ours, peer, ...) and reports the median of each, so
that a noisy machine slows both alike and the ratio holds. Nothing here is a timed test.

Modules: ``harness`` (timing and the table), ``engine`` (rows 1-2: the scalar ``Value``),
``nets`` (rows 3-5: ZhouNet and layers.Sequential vs PyTorch, and numpy's own matmul),
``symbolic_row`` (row 6), ``widgets_row`` (row 7), ``course`` (row 8: the notebooks under nbval).
"""

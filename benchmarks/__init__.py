"""Benchmarks (make bench, bench-formats, bench-incremental, bench-bi): run from the checkout
(``python -m benchmarks.bench``), not part of the installed ``house_edge`` package."""

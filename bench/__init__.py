"""sdkgen's benchmarks: `make bench` runs them all, prints tables, writes results/ and docs/BENCHMARKS.md.

Every benchmark is a module with ``run(ctx) -> Section``; ``bench.__main__`` runs them in order.
Ratios are measured side by side in one run, interleaved; absolute times are this machine's.
"""

"""House Edge: the liquidation-cascade warehouse (Python side: simulate, publish, CLI)."""

"""Every dbt run of the pipeline (house_edge.publish.run_dbt / finish_dbt_session): dbt's
commands in one process, dbt imported and the project parsed once.

    python -m house_edge.dbt_session < spec.json  # {"common": [...], "commands": [{"args": []}]}

The process imports dbt first, then reads the spec from stdin, so a caller can start it before it
knows what to run (the scheduled job plans meanwhile, and runs ``dbt build`` then ``dbt source
freshness`` in it: as two processes, each paid dbt's import, ~3 s, and a parse, ~2 s, about as
much CPU as an hourly build's models). ``common`` is appended to every command. A command with
``"check": true`` (the default) stops the session on failure (exit 1); ``"check": false`` suits
``source freshness``, which fails when a source is stale: reported, not an error.
"""

from __future__ import annotations

import json
import sys


def main() -> int:
    from dbt.cli.main import dbtRunner  # first: the caller decides what to run meanwhile

    spec = json.loads(sys.stdin.read())
    common = spec.get("common", [])
    # No manifest.json here: the build writes it (with run_results.json) when it ends. The
    # partial-parse cache is written either way.
    parsed = dbtRunner().invoke(["parse", "--no-write-json", *common])
    if not parsed.success:
        print(f"dbt_session: `dbt parse` failed: {parsed.exception or ''}", file=sys.stderr)
        return 1
    runner = dbtRunner(manifest=parsed.result)
    for command in spec["commands"]:
        result = runner.invoke([*command["args"], *common])
        if not result.success and command.get("check", True):
            print(f"dbt_session: `dbt {' '.join(command['args'])}` failed"
                  + (f": {result.exception}" if result.exception else ""), file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

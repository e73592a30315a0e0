"""house-edge: simulate the 10 Oct 2025 cascade, build and publish the warehouse, print the
headline.

\b
  house-edge simulate            write a simulated sample to warehouse/simulated/ (deterministic;
                                 --out data/sample rewrites the committed sample)
  house-edge simulate --scale 1 --format parquet --out bench_out/full
  house-edge build               dbt build into a private file, check, validate (the publish
                                 gate), publish atomically, print the headline and the gate
  house-edge build --raw-dir DIR build from external raw files (CSV or Parquet) instead
  house-edge build --venue-file binance:forceorder-csv:'captures/*.csv'
                                 add files in a venue's own format (docs/formats.md)
  house-edge build --vars '{event_window_start: ..}' --warehouse-dir DIR
                                 set dbt vars; publish DIR/house_edge.duckdb instead
  house-edge headline            print the headline of the published warehouse
  house-edge report              write warehouse/report.html (charts, offline, one file)
  house-edge scheduled-run       the hourly/daily job: freshness, incremental build, gate,
                                 publish (scripts/scheduled_run.sh wraps it with a lock for cron)
  house-edge serve               start/refresh the read-only Postgres endpoint (127.0.0.1:5433)
  house-edge calibrate           re-tune the simulator to the published aggregates
  house-edge export --format parquet|csv DIR
                                 every mart and reference table as files + DIR/manifest.json
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from house_edge import config, publish

DEFAULT_SAMPLE_DIR = config.DEFAULT_SAMPLE_DIR
RAW_FILES = config.RAW_FILES  # the simulator's file stems, without importing it
DEFAULT_SIMULATE_DIR = Path("warehouse/simulated")
DEFAULT_SCALE = 0.005
DEFAULT_SEED = 20251010


def _progress_bar(label: str):
    """A click progress bar driven by the simulator's (done, total) callback."""
    state = {"bar": None}

    def update(done: int, total: int) -> None:
        if state["bar"] is None:
            state["bar"] = click.progressbar(length=total, label=label, file=sys.stderr)
            state["bar"].__enter__()
        state["bar"].update(done - state["bar"].pos)
        if done >= total:
            state["bar"].__exit__(None, None, None)

    return update


@click.group(help=__doc__)
@click.version_option(package_name="house-edge", prog_name="house-edge")
def main() -> None:
    pass


@main.command()
@click.option("--scale", default=DEFAULT_SCALE, show_default=True, type=float,
              help="Accounts relative to the real event (1.0 gives >= 2M liquidations). "
                   "Notional totals do not depend on it.")
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int)
@click.option("--out", "out_dir", default=str(DEFAULT_SIMULATE_DIR), show_default=True,
              type=click.Path(file_okay=False),
              help="Directory for the raw files (build from it with --raw-dir). The committed "
                   "sample is rewritten only when asked for: --out data/sample (make sample).")
@click.option("--format", "fmt", default="csv", show_default=True,
              type=click.Choice(["csv", "parquet"]))
@click.option("--quiet", is_flag=True, help="No progress bar.")
def simulate(scale: float, seed: int, out_dir: str, fmt: str, quiet: bool) -> None:
    """Run the causal cascade simulator and write raw price bars, positions, liquidations."""
    from house_edge import simulator

    t0 = time.perf_counter()
    # streamed to the files chunk by chunk: memory does not hold every row (scale 10 fits)
    written = simulator.simulate_to(Path(out_dir), scale=scale, seed=seed, fmt=fmt,
                                    progress=None if quiet else _progress_bar("simulating minutes"))
    click.echo(f"simulated scale {scale} seed {seed} in {time.perf_counter() - t0:.1f} s: "
               f"{written.rows['positions']:,} positions, "
               f"{written.rows['liquidations']:,} liquidations, "
               f"{written.rows['price_bars']:,} price bars")
    for key, path in written.paths.items():
        click.echo(f"  {key:<13} {path}")


@main.command()
@click.option("--scale", default=DEFAULT_SCALE, show_default=True, type=float)
@click.option("--seed", default=DEFAULT_SEED, show_default=True, type=int)
@click.option("--iterations", default=24, show_default=True, type=int)
@click.option("--long-tail-held", "held_from", metavar="CALIBRATION_JSON",
              type=click.Path(exists=True, dir_okay=False),
              help="Switch the long-tail bucket on over this calibration (one without it, e.g. "
                   "the committed one before 27 Nov 2026) and size it with the five published "
                   "assets' books held (calibration.calibrate_long_tail_held), instead of "
                   "re-tuning every parameter.")
def calibrate(scale: float, seed: int, iterations: int, held_from: str | None) -> None:
    """Re-tune the simulator's free parameters; writes house_edge/calibration.json."""
    from house_edge import calibration
    from house_edge.simulator import Calibration

    out = Path(calibration.__file__).with_name("calibration.json")
    if held_from:
        calibration.calibrate_long_tail_held(scale=scale, seed=seed,
                                             iterations=max(iterations, 40),
                                             start=Calibration.load(Path(held_from)), out=out,
                                             log=click.echo)
    else:
        calibration.calibrate(scale=scale, seed=seed, iterations=iterations, out=out,
                              log=click.echo)
    click.echo(f"wrote {out}; regenerate the committed sample with "
               "`house-edge simulate --out data/sample`")


@main.command()
@click.option("--raw-dir", type=click.Path(exists=True, file_okay=False),
              help="Directory holding raw_price_bars, raw_positions and raw_liquidations "
                   "(.csv or .parquet). Default: the committed sample in data/sample.")
@click.option("-v", "--verbose", is_flag=True,
              help="Show dbt's own output (by default it goes to <warehouse dir>/logs/"
                   "dbt_build.log and a progress line is shown).")
@click.option("--quiet", is_flag=True, help="No progress line: only the result.")
# --- venue files (issue 6): raw files in the venues' own formats (docs/formats.md) ---
@click.option("--venue-file", "venue_file_specs", multiple=True, metavar="VENUE:FORMAT:PATH",
              help="A venue's own file(s), e.g. binance:forceorder-csv:'captures/*.csv' or "
                   "binance:klines-csv:'klines/*.csv':price_type=mark. Repeatable. A venue fed "
                   "by files is no longer simulated.")
@click.option("--liquidations", "liquidation_specs", multiple=True, metavar="VENUE:FORMAT:PATH",
              help="Same as --venue-file, for a liquidation format only.")
@click.option("--price-bars", "price_bar_specs", multiple=True, metavar="VENUE:FORMAT:PATH",
              help="Same as --venue-file, for a price-bar (klines) format only.")
@click.option("--no-simulator", is_flag=True,
              help="Leave the simulated sample out of the liquidation and price unions.")
@click.option("--vars", "vars_text", metavar="YAML",
              help="dbt vars as dbt takes them (a YAML/JSON dict), e.g. "
                   "'{event_window_start: \"2025-10-10 18:00:00\", event_window_end: "
                   "\"2025-10-11 00:00:00\"}'. Every var in dbt_project.yml can be set.")
@click.option("--warehouse-dir", type=click.Path(file_okay=False),
              help="Publish DIR/house_edge.duckdb instead of the default warehouse "
                   "(HOUSE_EDGE_PUBLISHED_PATH); `headline`, `report` and `serve` read it "
                   "with HOUSE_EDGE_PUBLISHED_PATH=DIR/house_edge.duckdb.")
def build(raw_dir: str | None, verbose: bool, quiet: bool, venue_file_specs: tuple[str, ...],
          liquidation_specs: tuple[str, ...], price_bar_specs: tuple[str, ...],
          no_simulator: bool, vars_text: str | None, warehouse_dir: str | None) -> None:
    """dbt build into a private file, check it, publish it atomically, print the headline."""
    from house_edge import venue_files
    from house_edge.access import AccessError
    from house_edge.headline import HeadlineError, read_headline

    specs = ([(s, None) for s in venue_file_specs]
             + [(s, "liquidations") for s in liquidation_specs]
             + [(s, "price_bars") for s in price_bar_specs])
    try:
        extra_vars = {**publish.parse_vars(vars_text),
                      **venue_files.build_vars(specs, use_simulator=not no_simulator)}
    except (venue_files.VenueFileError, config.BuildError) as exc:
        raise click.ClickException(str(exc)) from exc
    target = (Path(warehouse_dir).resolve() / config.WAREHOUSE_BASENAME
              if warehouse_dir else None)

    raw_paths = None
    if raw_dir:
        raw_paths = {}
        for key, stem in RAW_FILES.items():
            found = sorted(Path(raw_dir).glob(f"{stem}.*"))
            found = [p for p in found if p.suffix in (".csv", ".parquet")]
            if not found:
                raise click.ClickException(f"{raw_dir} has no {stem}.csv or {stem}.parquet")
            raw_paths[key] = found[0]
    else:
        root = config.project_root()
        raw_paths = {k: root / DEFAULT_SAMPLE_DIR / f"{stem}.csv" for k, stem in RAW_FILES.items()}
    progress = None if quiet or verbose else _BuildProgress()
    try:
        report = publish.build_and_publish(raw_paths=raw_paths, target=target, echo=verbose,
                                           extra_vars=extra_vars, progress=progress)
    except config.BuildError as exc:
        raise click.ClickException(str(exc)) from exc
    finally:
        if progress:
            progress.finish()
    if not verbose:
        click.echo(f"dbt's output: {publish.build_log_path(report.published_path)}")
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
    click.echo(f"\npublished {report.published_path} ({timing})\n")
    try:
        click.echo(read_headline(report.published_path).render())
    except (AccessError, HeadlineError) as exc:
        raise click.ClickException(f"published, but the headline cannot be read: {exc}") from exc
    _echo_gate(report)


class _BuildProgress:
    """One line per build phase; on a terminal the dbt line counts its nodes as they finish."""

    LABELS = {"dbt": "dbt build (seeds, models, data tests)", "check": "check the built file",
              "validate": "publish gate (Great Expectations)", "publish": "publish",
              "endpoint": "refresh a running endpoint"}

    def __init__(self) -> None:
        self.tty = sys.stdout.isatty()
        self.started = time.perf_counter()
        self.current: str | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        elapsed = time.perf_counter() - self.started
        if phase != self.current:
            if self.current and self.tty:
                click.echo("")
            self.current = phase
            label = self.LABELS.get(phase, phase)
            click.echo(f"[{elapsed:5.1f} s] {label}", nl=not self.tty)
        elif self.tty and total:
            click.echo(f"\r[{elapsed:5.1f} s] {self.LABELS['dbt']}: {done}/{total} nodes",
                       nl=False)

    def finish(self) -> None:
        if self.current and self.tty:
            click.echo("")
        self.current = None


def _echo_gate(report: publish.BuildReport) -> None:
    """The publish gate's outcome: warnings (published anyway), where the record and docs are."""
    from house_edge.validate import describe

    summary = report.validation
    if summary is None:
        return
    warnings = summary.warnings
    click.echo(f"\nvalidation gate passed: {len(summary.results)} expectations, "
               f"{len(warnings)} warning(s) ({summary.seconds:.1f} s)")
    for result in warnings:
        click.echo(describe(result), err=True)
    click.echo(f"validation record: {report.validation_summary_path}")
    click.echo(f"data docs: {report.data_docs_index}")


@main.command()
def headline() -> None:
    """Print the headline of the published warehouse (opens it read-only, locked)."""
    from house_edge.access import AccessError, published_warehouse
    from house_edge.headline import HeadlineError, read_headline

    try:
        text = read_headline(published_warehouse()).render()
    except (AccessError, HeadlineError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(text)


@main.command()
@click.option("--out", "out_path", default="warehouse/report.html", show_default=True,
              type=click.Path(dir_okay=False), help="Where to write the HTML file.")
@click.option("--venue", default="binance", show_default=True,
              help="Venue whose relief is set against its revenue (any venue of the warehouse).")
def report(out_path: str, venue: str) -> None:
    """Write one self-contained HTML report (charts, opens offline) from the published warehouse."""
    from house_edge.access import AccessError, published_warehouse
    from house_edge.headline import HeadlineError
    from house_edge.report import ReportError, write_report

    try:
        written = write_report(published_warehouse(), Path(out_path), venue=venue)
    except (AccessError, HeadlineError, ReportError) as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write {out_path}: {exc.strerror}") from exc
    click.echo(f"wrote {written} ({written.stat().st_size / 1e6:.1f} MB)")


# --- scheduled runs (issue 8) ---------------------------------------------------------------
@main.command("scheduled-run")
@click.option("--raw-liquidations", envvar="HOUSE_EDGE_RAW_LIQUIDATIONS",
              help="Raw liquidation file or glob (e.g. captures/liquidations_*.parquet). "
                   "Default: the committed sample. Env: HOUSE_EDGE_RAW_LIQUIDATIONS.")
@click.option("--raw-price-bars", envvar="HOUSE_EDGE_RAW_PRICE_BARS",
              help="Raw price bar file or glob. Env: HOUSE_EDGE_RAW_PRICE_BARS.")
@click.option("--raw-positions", envvar="HOUSE_EDGE_RAW_POSITIONS",
              help="Raw positions file or glob. Env: HOUSE_EDGE_RAW_POSITIONS.")
@click.option("--full-refresh", is_flag=True,
              help="Re-read every raw file and run every test (nightly, or after a gate failure).")
@click.option("--all-tests", is_flag=True,
              help="Incremental, but every data test instead of the hourly selection.")
@click.option("--quiet", is_flag=True, help="Hide dbt's own output.")
def scheduled_run(raw_liquidations: str | None, raw_price_bars: str | None,
                  raw_positions: str | None, full_refresh: bool, all_tests: bool,
                  quiet: bool) -> None:
    """Freshness, dbt build (hourly selection once the state exists), publish gate, atomic
    publish (exit 1 if any fails)."""
    from house_edge import scheduled

    root = config.project_root()
    raw_paths = {k: root / DEFAULT_SAMPLE_DIR / f"{stem}.csv" for k, stem in RAW_FILES.items()}
    for key, value in (("liquidations", raw_liquidations), ("price_bars", raw_price_bars),
                       ("positions", raw_positions)):
        if value:
            raw_paths[key] = value
    try:
        report = scheduled.run_job(raw_paths=raw_paths, full_refresh=full_refresh,
                                   all_tests=all_tests, echo=not quiet)
    except config.BuildError as exc:
        raise click.ClickException(f"scheduled run FAILED, nothing published: {exc}") from exc
    for fresh in report.freshness:
        click.echo(f"source freshness {fresh.describe()}",
                   err=fresh.status != "pass")
    timing = ", ".join(f"{k} {v:.1f} s" for k, v in report.seconds.items())
    warnings = report.validation.warnings if report.validation else []
    click.echo(f"{report.plan.kind} run: {report.plan.reason}")
    click.echo(f"published {report.published_path} ({timing}); gate passed with "
               f"{len(warnings)} warning(s); incremental state {report.state_path}")


# --- issue 7: the read-only Postgres endpoint for BI tools -----------------------------------
@main.command()
@click.option("--host", default=None, help="Address(es) to listen on, comma-separated "
              "[default: 127.0.0.1, or HOUSE_EDGE_PG_HOST]. Any non-loopback address "
              "needs --password.")
@click.option("--port", default=None, type=int,
              help="TCP port [default: 5433, or HOUSE_EDGE_PG_PORT].")
@click.option("--data-dir", default=None, type=click.Path(file_okay=False),
              help="Server files [default: warehouse/postgres, or HOUSE_EDGE_PG_DATA].")
@click.option("--password", envvar="HOUSE_EDGE_PG_PASSWORD", default=None,
              help="Password of the read-only role house_edge_reader (env "
                   "HOUSE_EDGE_PG_PASSWORD). Required when listening beyond loopback.")
@click.option("--stop", is_flag=True, help="Stop the endpoint and exit.")
def serve(host: str | None, port: int | None, data_dir: str | None, password: str | None,
          stop: bool) -> None:
    """Start (or restart) a local PostgreSQL with a read-only copy of the marts, and refresh it
    from the published warehouse. Every later `house-edge build` refreshes it too."""
    from house_edge import serve as endpoint

    path = config.published_path()
    cfg = endpoint.config_from_env(path, host=host, port=port, data_dir=data_dir,
                                   reader_password=password)
    try:
        if stop:
            endpoint.stop(cfg)
            click.echo(f"stopped the endpoint in {cfg.data_dir}")
            return
        endpoint.check_bind(cfg.host, cfg.reader_password)
        if not path.exists():
            raise endpoint.ServeError(f"{path} does not exist yet: run `house-edge build` first")
        endpoint.start(cfg)
        report = endpoint.refresh(cfg, path)
    except endpoint.ServeError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = sum(report.tables.values())
    click.echo(f"serving {path} on {cfg.listen_addresses} port {cfg.port}: "
               f"{len(report.tables)} tables, {rows:,} rows ({report.seconds:.1f} s)")
    click.echo(f"  psql        psql '{cfg.reader_dsn()}'")
    click.echo(f"  SQLAlchemy  {cfg.reader_url()}")
    click.echo(f"  stop        house-edge serve --stop --data-dir {cfg.data_dir}")


# --- issue 19: files for BI tools that read Parquet or CSV -----------------------------------
@main.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--format", "fmt", default="parquet", show_default=True,
              type=click.Choice(["parquet", "csv"]))
@click.option("--force", is_flag=True,
              help="Export into a non-empty DIR, replacing its marts/, reference/ and "
                   "manifest.json.")
def export_command(directory: str, fmt: str, force: bool) -> None:
    """Write every mart and reference table of the published warehouse to DIR (one file per
    table) with DIR/manifest.json: rows, columns and types per table, and the build."""
    from house_edge.access import AccessError, published_warehouse
    from house_edge.export import ExportError, export

    try:
        report = export(published_warehouse(), Path(directory), fmt=fmt, force=force)
    except (AccessError, ExportError) as exc:
        raise click.ClickException(str(exc)) from exc
    build = report.manifest["build"]
    click.echo(f"exported {len(report.tables)} tables ({report.rows:,} rows, {fmt}) of build "
               f"{build['dbt_invocation_id']} (built {build['built_at']}) to {report.directory} "
               f"in {report.seconds:.1f} s; manifest {report.directory / 'manifest.json'}")


if __name__ == "__main__":
    main()

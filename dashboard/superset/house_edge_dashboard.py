"""The House Edge dashboard, as code, for Apache Superset (issue 19).

Run with the Superset virtual environment's Python (`make dashboard` does it):

    house_edge_dashboard.py bundle --warehouse PATH --out DIR   write the import bundle (YAML)
    house_edge_dashboard.py build  --warehouse PATH             set up Superset and import it
    house_edge_dashboard.py serve  [--port 8088]                serve it on 127.0.0.1

Everything the dashboard shows is declared below: one virtual dataset per question (SQL over
schema `marts` of the published warehouse, every amount cast to DOUBLE so the dashboard does
not depend on the marts' column types), the charts (Superset form data, labelled in words) and
the layout. `bundle` turns them into Superset's own import format (the YAML files
`superset export-dashboards` writes), so the same bundle imports into any Superset 6.x with
`superset import-dashboards -p bundle.zip -u <admin>`. No figure is written here: every
number on the dashboard is read from the marts when a chart loads.

The first screen answers the headline question: Binance's $400M relief programme's economic
cost against Binance's fee income from the event (low - central - high), beside -- never added
to -- its insurance fund's result, its liquidated users' lost margin and its depeg compensation.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import secrets
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SLUG = "house-edge"
TITLE = "House Edge: who paid for the 10 Oct 2025 liquidation cascade?"
VERSION = "1.0.0"
NAMESPACE = uuid.UUID("5b0c6f1e-4b8e-4f55-9a43-0f1c9e2d7a10")


def _uuid(name: str) -> str:
    """Stable ids: re-importing updates the same objects instead of adding copies."""
    return str(uuid.uuid5(NAMESPACE, name))


def warehouse_uri(path: Path) -> str:
    """Read-only, no host files (README "Connect your BI tool")."""
    return (f"duckdb:///{path.resolve()}?access_mode=read_only"
            "&enable_external_access=false")


# --- money and ratios as words, in SQL (the sentence is built where the numbers are) -----------
def _musd(expr: str) -> str:
    """-$119M, $57.9M, $2.04bn: the same rounding as house_edge.headline._musd."""
    return (f"(case when {expr} is null then 'n/a' else "
            f"(case when {expr} < 0 then '-' else '' end) || "
            f"(case when abs({expr}) >= 1e9 then printf('$%.2fbn', abs({expr}) / 1e9) "
            f"when abs({expr}) >= 1e8 then printf('$%.0fM', abs({expr}) / 1e6) "
            f"else printf('$%.1fM', abs({expr}) / 1e6) end) end)")


def _ratio(expr: str) -> str:
    return f"(case when {expr} is null then 'n/a' else printf('%.1fx', {expr}) end)"


# The programme the question is about: Binance's exchange-funded relief (relief_kind 'relief'),
# on the published-scaled basis (Binance's true liquidations anchored on CoinGlass).
ANSWER_ROWS = """
    select *
    from marts.fct_relief_to_fee_income
    where venue = 'binance' and relief_kind = 'relief' and is_exchange_funded
      and basis = 'published_scaled'
"""

HEADLINE_SQL = f"""
with answer as ({ANSWER_ROWS}),
pivoted as (
    select
        any_value(program_name) as program_name,
        max(face_value_usd) as face_value_usd,
        max(case when scenario = 'low' then relief_to_fee_income_ratio end) as ratio_low,
        max(case when scenario = 'central' then relief_to_fee_income_ratio end) as ratio_central,
        max(case when scenario = 'high' then relief_to_fee_income_ratio end) as ratio_high,
        max(case when scenario = 'central' then economic_cost_usd end) as cost_central,
        max(case when scenario = 'central' then fee_income_usd end) as income_central
    from answer
)
select
    'Binance''s ' || {_musd('face_value_usd')} || ' "' || program_name || '" relief costs it about '
    || {_ratio('ratio_central')} || ' (' || {_ratio('ratio_low')} || ' to '
    || {_ratio('ratio_high')} || ') the fees it earned from the 10 Oct cascade: '
    || {_musd('cost_central')} || ' of economic cost against ' || {_musd('income_central')}
    || ' of fee income (central).' as answer
from pivoted
"""

BESIDE_SQL = f"""
with fund as (
    select pool_name, modelled_low_usd, modelled_central_usd, modelled_high_usd,
           published_low_usd, published_high_usd, reconciliation_status
    from marts.fct_fund_flow_reconciliation
    where venue = 'binance' and basis = 'published_scaled' and published_metric is not null
),
lost as (
    select max(liquidated_users_lost_margin_usd) as lost_usd
    from ({ANSWER_ROWS}) as a
    where scenario = 'central'
),
others as (
    select program_name, relief_kind, payer, sum(face_value_usd) as face_value_usd
    from marts.fct_relief_programs
    where venue = 'binance' and scenario = 'central' and relief_kind <> 'relief'
    group by 1, 2, 3
)
select 1 as line, 'Insurance fund: ' || pool_name as beside_the_answer,
       'modelled ' || {_musd('modelled_central_usd')} || ' (' || {_musd('modelled_low_usd')}
       || ' to ' || {_musd('modelled_high_usd')} || '), published ' || {_musd('published_low_usd')}
       || ' to ' || {_musd('published_high_usd')} || ': ' || reconciliation_status as figure,
       'users'' money held in reserve, not the exchange''s income' as what_it_is
from fund
union all
select 2, 'Liquidated Binance users'' lost margin', {_musd('lost_usd')},
       'what the liquidated users lost, not what the exchange earned'
from lost
union all
select case when relief_kind = 'remediation' then 3 else 4 end, program_name,
       {_musd('face_value_usd')},
       case when relief_kind = 'remediation'
            then 'remediation of the venue''s own collateral pricing, shown apart, not relief'
            else 'paid by ' || payer || ', an affiliate, not by the exchange' end
from others
order by 1, 2
"""

# One row per (basis, measure) with the low / central / high values side by side, so a chart
# draws the three scenarios as three bars in that order.
RANGES_SQL = """
with answer as (
    select * from marts.fct_relief_to_fee_income
    where venue = 'binance' and relief_kind = 'relief' and is_exchange_funded
),
long as (
    select basis, scenario, 'Relief ÷ fee income (times)' as measure,
           cast(relief_to_fee_income_ratio as double) as value
    from answer
    union all
    select basis, scenario, '"' || program_name || '" relief: economic cost',
           cast(economic_cost_usd as double)
    from answer
    union all
    select basis, scenario, 'Binance''s fee income from the event', cast(fee_income_usd as double)
    from answer
)
select
    case basis when 'published_scaled' then 'Published-scaled (CoinGlass anchor)'
               when 'simulated_full_record' then 'Simulated full record'
               else basis end as basis_in_words,
    basis,
    measure,
    max(case when scenario = 'low' then value end) as low_value,
    max(case when scenario = 'central' then value end) as central_value,
    max(case when scenario = 'high' then value end) as high_value
from long
group by all
"""

SENSITIVITY_SQL = """
select
    case factor
        when 'undercount' then 'True liquidations (CoinGlass 30-40 $bn anchor)'
        when 'volume_share' then 'Binance''s share of the day''s volume'
        when 'fee_tier_mix' then 'Fee-tier mix'
        when 'taker_fee_rate' then 'Taker fee'
        when 'voucher_redemption' then 'Vouchers redeemed'
        when 'loan_interest_subsidy' then 'Loans'' interest subsidy'
        when 'loan_default_rate' then 'Loan defaults'
        when 'loan_term' then 'Loans'' term'
        else factor
    end as factor_in_words,
    cast(ratio_at_low as double) as ratio_at_low,
    cast(ratio_at_central as double) as ratio_at_central,
    cast(ratio_at_high as double) as ratio_at_high,
    cast(sensitivity_rank as integer) as sensitivity_rank
from marts.fct_relief_ratio_sensitivity
where venue = 'binance'
"""

FEE_SQL = """
select
    f.venue,
    coalesce(e.exchange_name, f.venue) as venue_name,
    case f.component
        when 'liquidation_taker_fee' then 'Fees on forced fills'
        when 'excess_volume_fee' then 'Fees on the day''s excess volume'
        else f.component
    end as part,
    cast(f.fee_income_usd as double) as fee_income_usd
from marts.fct_exchange_fee_income as f
left join marts.dim_exchanges as e on e.exchange_id = f.venue
where f.basis = 'published_scaled' and f.scenario = 'central'
"""

FUNDS_SQL = """
select
    pool_name,
    cast(modelled_low_usd as double) as modelled_low_usd,
    cast(modelled_central_usd as double) as modelled_central_usd,
    cast(modelled_high_usd as double) as modelled_high_usd,
    cast(published_low_usd as double) as published_low_usd,
    cast(published_high_usd as double) as published_high_usd,
    reconciliation_status
from marts.fct_fund_flow_reconciliation
where basis = 'published_scaled' and published_metric is not null
"""

FUND_FLOWS_SQL = """
select
    pool_name,
    case component
        when 'clearance_fee' then 'Clearance fees'
        when 'margin_surplus' then 'Margin kept'
        when 'payout_beyond_bankruptcy' then 'Losses beyond bankruptcy'
        when 'adl_offset' then 'Passed to winners by ADL'
        when 'backstop_unwind_pnl' then 'Backstop vault''s unwind P&L'
        when 'adl_fills' then 'Closed by ADL, not the vault''s'
        else component
    end as flow_kind,
    cast(flow_usd as double) as flow_usd
from marts.fct_insurance_fund_flows
where basis = 'published_scaled' and scenario = 'central' and flow_usd <> 0
"""

MINUTES_SQL = """
select
    m.minute_at,
    coalesce(e.exchange_name, m.venue) as venue_name,
    cast(sum(m.liquidated_notional_usd) as double) as liquidated_notional_usd
from marts.fct_market_minutes as m
left join marts.dim_exchanges as e on e.exchange_id = m.venue
group by 1, 2
"""

VENUES_SQL = """
select
    coalesce(exchange_name, exchange_id) as venue_name,
    cast(liquidated_notional_usd as double) as liquidated_notional_usd,
    cast(public_feed_notional_usd as double) as public_feed_notional_usd,
    cast(nullif(published_liquidations_usd, 0) as double) as published_liquidations_usd
from marts.dim_exchanges
"""

WAVES_SQL = f"""
select
    cast(wave_number as integer) as wave_number,
    strftime(started_at, '%H:%M:%S') as started,
    strftime(ended_at, '%H:%M:%S') as ended,
    {_musd('cast(notional_usd as double)')} as notional,
    printf('%.0f%%', 100 * cast(long_share as double)) as long_share,
    printf('%.1f%%', 100 * cast(price_drawdown_rate as double)) as price_drawdown,
    leading_venue
from marts.fct_cascade_waves
where scope = 'market'
"""

SYMBOLS_SQL = """
select
    coalesce(asset_name, symbol) as asset,
    cast(liquidated_notional_usd as double) as liquidated_notional_usd,
    cast(nullif(published_liquidations_usd, 0) as double) as published_liquidations_usd
from marts.dim_symbols
"""

LEVERAGE_SQL = """
select
    case when is_long then 'Longs' else 'Shorts' end as side_in_words,
    case
        when leverage < 5 then '01-05x'
        when leverage < 10 then '05-10x'
        when leverage < 25 then '10-25x'
        when leverage < 50 then '25-50x'
        else '50x and more'
    end as leverage_band,
    cast(sum(notional_usd) as double) as notional_usd
from marts.fct_liquidations
group by 1, 2
"""

BUILD_SQL = """
select strftime(published_at, '%Y-%m-%d %H:%M UTC') as published, dbt_invocation_id
from marts.build_info
"""

USD = "$,.3s"


def _col(name: str, words: str, kind: str = "VARCHAR", dttm: bool = False) -> dict:
    return {"column_name": name, "verbose_name": words, "is_dttm": dttm, "is_active": True,
            "type": kind, "groupby": True, "filterable": True, "expression": None,
            "description": None, "python_date_format": None, "extra": {}}


def _metric(name: str, words: str, expression: str, d3format: str | None = None) -> dict:
    return {"metric_name": name, "verbose_name": words, "metric_type": None,
            "expression": expression, "description": None, "d3format": d3format,
            "extra": {}, "warning_text": None}


# name -> (sql, [columns], [metrics], marts it reads)
DATASETS: dict[str, tuple[str, list[dict], list[dict], list[str]]] = {
    "answer_headline": (HEADLINE_SQL, [_col("answer", "The answer")], [],
                        ["fct_relief_to_fee_income"]),
    "answer_beside": (BESIDE_SQL, [
        _col("line", "Line", "INTEGER"), _col("beside_the_answer", "Beside it, never added to it"),
        _col("figure", "Figure"), _col("what_it_is", "What it is")], [],
        ["fct_fund_flow_reconciliation", "fct_relief_to_fee_income", "fct_relief_programs"]),
    "answer_ranges": (RANGES_SQL, [
        _col("basis_in_words", "Basis"), _col("basis", "Basis (code)"),
        _col("measure", "Measure"), _col("low_value", "Low", "DOUBLE"),
        _col("central_value", "Central", "DOUBLE"), _col("high_value", "High", "DOUBLE")], [
        _metric("low", "Low", "max(low_value)"),
        _metric("central", "Central", "max(central_value)"),
        _metric("high", "High", "max(high_value)")], ["fct_relief_to_fee_income"]),
    "answer_sensitivity": (SENSITIVITY_SQL, [
        _col("factor_in_words", "Unknown"), _col("ratio_at_low", "Ratio at its low", "DOUBLE"),
        _col("ratio_at_central", "Ratio, all central", "DOUBLE"),
        _col("ratio_at_high", "Ratio at its high", "DOUBLE"),
        _col("sensitivity_rank", "Rank", "INTEGER")], [
        _metric("ratio_at_low", "Ratio with this unknown at its low value", "max(ratio_at_low)"),
        _metric("ratio_at_high", "Ratio with this unknown at its high value",
                "max(ratio_at_high)")], ["fct_relief_ratio_sensitivity"]),
    "ledger_fee_income": (FEE_SQL, [
        _col("venue", "Venue (code)"), _col("venue_name", "Venue"), _col("part", "Part"),
        _col("fee_income_usd", "Fee income (USD)", "DOUBLE")], [
        _metric("fee_income", "Fee income", "sum(fee_income_usd)", USD)],
        ["fct_exchange_fee_income", "dim_exchanges"]),
    "ledger_funds": (FUNDS_SQL, [
        _col("pool_name", "Fund or vault"), _col("reconciliation_status", "Against published"),
        *[_col(c, c, "DOUBLE") for c in ("modelled_low_usd", "modelled_central_usd",
                                          "modelled_high_usd", "published_low_usd",
                                          "published_high_usd")]], [
        _metric("modelled_low", "Modelled, low", "max(modelled_low_usd)", USD),
        _metric("modelled_central", "Modelled, central", "max(modelled_central_usd)", USD),
        _metric("modelled_high", "Modelled, high", "max(modelled_high_usd)", USD),
        _metric("published_low", "Published, low", "max(published_low_usd)", USD),
        _metric("published_high", "Published, high", "max(published_high_usd)", USD)],
        ["fct_fund_flow_reconciliation"]),
    "ledger_fund_flows": (FUND_FLOWS_SQL, [
        _col("pool_name", "Fund or vault"), _col("flow_kind", "Flow"),
        _col("flow_usd", "Flow (USD)", "DOUBLE")], [
        _metric("net_flow", "Net flow", "sum(flow_usd)", USD)], ["fct_insurance_fund_flows"]),
    "cascade_minutes": (MINUTES_SQL, [
        _col("minute_at", "Minute (UTC)", "TIMESTAMP", dttm=True), _col("venue_name", "Venue"),
        _col("liquidated_notional_usd", "Liquidated notional (USD)", "DOUBLE")], [
        _metric("liquidated", "Liquidated notional", "sum(liquidated_notional_usd)", USD)],
        ["fct_market_minutes", "dim_exchanges"]),
    "cascade_venues": (VENUES_SQL, [
        _col("venue_name", "Venue"),
        *[_col(c, c, "DOUBLE") for c in ("liquidated_notional_usd", "public_feed_notional_usd",
                                          "published_liquidations_usd")]], [
        _metric("all_fills", "All forced fills", "sum(liquidated_notional_usd)", USD),
        _metric("public_feed", "What the public feed shows", "sum(public_feed_notional_usd)",
                USD),
        _metric("published", "Published (CoinGlass, 24 h)", "sum(published_liquidations_usd)",
                USD)], ["dim_exchanges"]),
    "cascade_symbols": (SYMBOLS_SQL, [
        _col("asset", "Asset"),
        *[_col(c, c, "DOUBLE") for c in ("liquidated_notional_usd",
                                          "published_liquidations_usd")]], [
        _metric("all_fills", "All forced fills", "sum(liquidated_notional_usd)", USD),
        _metric("published", "Published (CoinGlass, 24 h)", "sum(published_liquidations_usd)",
                USD)], ["dim_symbols"]),
    "cascade_waves": (WAVES_SQL, [
        _col("wave_number", "Wave", "INTEGER"), _col("started", "Started (UTC)"),
        _col("ended", "Ended (UTC)"), _col("notional", "Liquidated notional"),
        _col("long_share", "Share of longs"), _col("price_drawdown", "BTC drawdown"),
        _col("leading_venue", "Leading venue")], [], ["fct_cascade_waves"]),
    "cascade_leverage": (LEVERAGE_SQL, [
        _col("side_in_words", "Side"), _col("leverage_band", "Leverage"),
        _col("notional_usd", "Liquidated notional (USD)", "DOUBLE")], [
        _metric("liquidated", "Liquidated notional", "sum(notional_usd)", USD)],
        ["fct_liquidations"]),
    "build_info": (BUILD_SQL, [
        _col("published", "Warehouse published"), _col("dbt_invocation_id", "dbt run")], [],
        ["build_info"]),
}


def _filter(column: str, op: str, value) -> dict:
    return {"expressionType": "SIMPLE", "subject": column, "operator": op,
            "comparator": value, "clause": "WHERE", "isExtra": False,
            "filterOptionName": f"filter_{column}_{op}"}


def _bar(x: str, metrics: list[str], *, x_title: str, y_title: str, y_format: str = USD,
         groupby: list[str] | None = None, filters: list[dict] | None = None,
         horizontal: bool = False, stack: bool = False) -> dict:
    return {
        "viz_type": "echarts_timeseries_bar", "x_axis": x, "xAxisForceCategorical": True,
        "metrics": metrics, "groupby": groupby or [], "adhoc_filters": filters or [],
        "row_limit": 1000, "orientation": "horizontal" if horizontal else "vertical",
        "x_axis_title": x_title, "x_axis_title_margin": 30, "y_axis_title": y_title,
        "y_axis_title_margin": 50, "y_axis_title_position": "Left", "y_axis_format": y_format,
        "show_legend": True, "legendOrientation": "top", "legendType": "scroll",
        "show_value": True, "stack": "Stack" if stack else None, "rich_tooltip": True,
        "truncate_metric": True, "x_axis_sort_asc": True, "color_scheme": "supersetColors",
        "only_total": True, "zoomable": False,
    }


def _big_number(metric: dict, subheader: str, fmt: str) -> dict:
    return {"viz_type": "big_number_total", "metric": metric, "adhoc_filters": [],
            "subheader": subheader, "header_font_size": 0.4, "subheader_font_size": 0.15,
            "y_axis_format": fmt, "time_format": "smart_date"}


def _sql_metric(sql: str, label: str) -> dict:
    return {"expressionType": "SQL", "sqlExpression": sql, "label": label,
            "hasCustomLabel": True, "optionName": _uuid(f"metric:{label}")[:8]}


def _table(columns: list[str], *, order_by: str | None = None) -> dict:
    return {"viz_type": "table", "query_mode": "raw", "all_columns": columns,
            "order_by_cols": [json.dumps([order_by, True])] if order_by else [],
            "row_limit": 100, "server_page_length": 10, "include_search": False,
            "show_cell_bars": False, "table_timestamp_format": "smart_date",
            "adhoc_filters": [], "allow_render_html": False}


RATIO_FMT = ".1f"
PUBLISHED_BASIS = [_filter("basis", "==", "published_scaled")]

# key -> (title in words, dataset, form data); the key names the layout slot.
CHARTS: dict[str, tuple[str, str, dict]] = {
    "headline": ("The answer: Binance's relief against what it earned in fees", "answer_headline",
                 _table(["answer"])),
    "ratio": ("Relief ÷ Binance's fee income from the event (central estimate)",
              "answer_ranges", {**_big_number(
                  _sql_metric("max(central_value) filter (where basis = 'published_scaled' and "
                              "measure like 'Relief ÷%')", "Relief ÷ fee income, central"),
                  "times the fees: economic cost ÷ fee income", RATIO_FMT)}),
    "cost": ("The relief's economic cost (central)", "answer_ranges", _big_number(
        _sql_metric("max(central_value) filter (where basis = 'published_scaled' and "
                    "measure like '%economic cost')", "Relief's economic cost, central"),
        "what the vouchers and loans cost Binance, of their face value", USD)),
    "income": ("Binance's fee income from the event (central)", "answer_ranges", _big_number(
        _sql_metric("max(central_value) filter (where basis = 'published_scaled' and "
                    "measure like '%fee income%')", "Fee income, central"),
        "fees on forced fills + on the day's excess volume (ledger a)", USD)),
    "beside": ("Beside the answer, never added to it", "answer_beside",
               _table(["beside_the_answer", "figure", "what_it_is"], order_by="line")),
    "ratio_range": ("Relief ÷ fee income: low, central and high estimates", "answer_ranges",
                    _bar("basis_in_words", ["low", "central", "high"], x_title="Basis",
                         y_title="Times the fee income", y_format=RATIO_FMT,
                         filters=[_filter("measure", "LIKE", "Relief ÷%")])),
    "cost_vs_income": ("The relief's economic cost against Binance's fee income (USD)",
                       "answer_ranges",
                       _bar("measure", ["low", "central", "high"], x_title="",
                            y_title="US dollars",
                            filters=[*PUBLISHED_BASIS,
                                     _filter("measure", "NOT LIKE", "Relief ÷%")])),
    "sensitivity": ("What moves the ratio: one unknown at its low and high value",
                    "answer_sensitivity",
                    _bar("factor_in_words", ["ratio_at_low", "ratio_at_high"], x_title="",
                         y_title="Relief ÷ fee income (times)", y_format=RATIO_FMT,
                         horizontal=True)),
    "fee_parts": ("Ledger (a): each exchange's fee income from the event, by part (central)",
                  "ledger_fee_income",
                  _bar("venue_name", ["fee_income"], groupby=["part"], x_title="Venue",
                       y_title="US dollars", stack=True)),
    "funds": ("Ledger (b): insurance fund and vault results, modelled against published",
              "ledger_funds",
              _bar("pool_name", ["modelled_low", "modelled_central", "modelled_high",
                                 "published_low", "published_high"], x_title="",
                   y_title="US dollars (users' money, not income)")),
    "fund_flows": ("Ledger (b): what moved each fund or vault (central)", "ledger_fund_flows",
                   _bar("pool_name", ["net_flow"], groupby=["flow_kind"], x_title="",
                        y_title="US dollars", stack=True)),
    "timeline": ("Liquidated notional per minute, by venue", "cascade_minutes", {
        "viz_type": "echarts_timeseries_line", "x_axis": "minute_at", "time_grain_sqla": "PT1M",
        "metrics": ["liquidated"], "groupby": ["venue_name"], "adhoc_filters": [],
        "row_limit": 50000, "x_axis_title": "Minute (UTC), 10-11 Oct 2025",
        "x_axis_title_margin": 30, "y_axis_title": "Liquidated notional, US dollars",
        "y_axis_title_margin": 50, "y_axis_title_position": "Left", "y_axis_format": USD,
        "x_axis_time_format": "%H:%M", "show_legend": True, "legendOrientation": "top",
        "rich_tooltip": True, "markerEnabled": False, "color_scheme": "supersetColors",
        "seriesType": "line", "zoomable": True}),
    "venues": ("Liquidations by venue: all forced fills, the public feed, the published figure",
               "cascade_venues",
               _bar("venue_name", ["all_fills", "public_feed", "published"], x_title="Venue",
                    y_title="US dollars")),
    "symbols": ("Liquidations by asset against the published figure", "cascade_symbols",
                _bar("asset", ["all_fills", "published"], x_title="Asset",
                     y_title="US dollars")),
    "leverage": ("Forced fills by leverage and side", "cascade_leverage",
                 _bar("leverage_band", ["liquidated"], groupby=["side_in_words"],
                      x_title="Leverage", y_title="US dollars", stack=True)),
    "waves": ("The waves of the cascade (market-wide)", "cascade_waves",
              _table(["wave_number", "started", "ended", "notional", "long_share",
                      "price_drawdown", "leading_venue"], order_by="wave_number")),
    "build": ("Which build this is", "build_info", _table(["published", "dbt_invocation_id"])),
}

INTRO = """\
## Who paid for the 10 Oct 2025 cascade?

Binance announced a **"Together" relief programme** after the cascade. What did it cost Binance,
against the fees Binance earned from the event? The answer is the first line below (low,
central and high estimates), read from `marts.fct_relief_to_fee_income` of the published
warehouse. Three ledgers, never added together: **(a)** the exchange's own fee income,
**(b)** insurance funds and vaults (users' or depositors' money), **(c)** relief and
compensation. Depeg compensation is remediation of Binance's own collateral pricing: shown apart.
"""

CASCADE_NOTE = """\
## The cascade itself

Forced fills per minute and by venue: *all fills* is the warehouse's full record, *public feed*
what the venues' liquidation streams showed (Binance: the latest fill per symbol per second),
*published* CoinGlass's 24 h figure (`reference.exchanges`).
"""

# rows of (slot, width, height): a slot is a chart key or a markdown block
LAYOUT: list[list[tuple[str, int, int]]] = [
    [("md:intro", 12, 21)],
    [("headline", 12, 18)],
    [("ratio", 4, 24), ("cost", 4, 24), ("income", 4, 24)],
    [("beside", 12, 34)],
    [("ratio_range", 6, 50), ("cost_vs_income", 6, 50)],
    [("sensitivity", 12, 50)],
    [("fee_parts", 6, 50), ("funds", 6, 50)],
    [("fund_flows", 12, 50)],
    [("md:cascade", 12, 18)],
    [("timeline", 12, 60)],
    [("venues", 6, 50), ("symbols", 6, 50)],
    [("leverage", 6, 50), ("waves", 6, 50)],
    [("build", 12, 20)],
]
MARKDOWN = {"md:intro": INTRO, "md:cascade": CASCADE_NOTE}


def marts_read() -> list[str]:
    """The marts the dashboard reads (models/exposures.yml lists the same)."""
    return sorted({m for _, _, _, marts in DATASETS.values() for m in marts})


def _position() -> dict:
    pos: dict = {
        "DASHBOARD_VERSION_KEY": "v2",
        "ROOT_ID": {"type": "ROOT", "id": "ROOT_ID", "children": ["GRID_ID"]},
        "GRID_ID": {"type": "GRID", "id": "GRID_ID", "children": [], "parents": ["ROOT_ID"]},
        "HEADER_ID": {"type": "HEADER", "id": "HEADER_ID", "meta": {"text": TITLE}},
    }
    for i, row in enumerate(LAYOUT, start=1):
        row_id = f"ROW-{i}"
        pos["GRID_ID"]["children"].append(row_id)
        pos[row_id] = {"type": "ROW", "id": row_id, "children": [],
                       "parents": ["ROOT_ID", "GRID_ID"],
                       "meta": {"background": "BACKGROUND_TRANSPARENT"}}
        for slot, width, height in row:
            parents = ["ROOT_ID", "GRID_ID", row_id]
            if slot.startswith("md:"):
                node_id = f"MARKDOWN-{slot[3:]}"
                pos[node_id] = {"type": "MARKDOWN", "id": node_id, "children": [],
                                "parents": parents,
                                "meta": {"width": width, "height": height,
                                         "code": MARKDOWN[slot]}}
            else:
                node_id = f"CHART-{slot}"
                pos[node_id] = {"type": "CHART", "id": node_id, "children": [],
                                "parents": parents,
                                "meta": {"width": width, "height": height, "chartId": 0,
                                         "uuid": _uuid(f"chart:{slot}"),
                                         "sliceName": CHARTS[slot][0]}}
            pos[row_id]["children"].append(node_id)
    return pos


def bundle(warehouse: Path) -> dict[str, str]:
    """Superset's import bundle (path -> YAML), for the warehouse at `warehouse`."""
    db_uuid = _uuid("database:house_edge")
    files = {
        "metadata.yaml": {"version": VERSION, "type": "Dashboard",
                          "timestamp": "2025-10-10T21:00:00+00:00"},
        "databases/house_edge.yaml": {
            "database_name": "house_edge", "sqlalchemy_uri": warehouse_uri(warehouse),
            "cache_timeout": None, "expose_in_sqllab": True, "allow_run_async": False,
            "allow_ctas": False, "allow_cvas": False, "allow_dml": False,
            "allow_file_upload": False, "extra": {"allows_virtual_table_explore": True},
            "uuid": db_uuid, "version": VERSION},
    }
    for name, (sql, columns, metrics, _) in DATASETS.items():
        files[f"datasets/house_edge/{name}.yaml"] = {
            "table_name": name, "main_dttm_col": None, "description": None,
            "default_endpoint": None, "offset": 0, "cache_timeout": None, "schema": None,
            "sql": sql.strip(), "params": None, "template_params": None,
            "filter_select_enabled": True, "fetch_values_predicate": None, "extra": None,
            "uuid": _uuid(f"dataset:{name}"), "metrics": metrics, "columns": columns,
            "version": VERSION, "database_uuid": db_uuid}
    for key, (title, dataset, params) in CHARTS.items():
        files[f"charts/{key}.yaml"] = {
            "slice_name": title, "description": None, "viz_type": params["viz_type"],
            "params": params, "query_context": None, "cache_timeout": None,
            "uuid": _uuid(f"chart:{key}"), "version": VERSION,
            "dataset_uuid": _uuid(f"dataset:{dataset}")}
    files["dashboards/house_edge.yaml"] = {
        "dashboard_title": TITLE, "description": None, "css": "", "slug": SLUG,
        "uuid": _uuid("dashboard:house_edge"), "position": _position(), "published": True,
        "metadata": {"color_scheme": "supersetColors", "refresh_frequency": 0,
                     "expanded_slices": {}, "label_colors": {},
                     "timed_refresh_immune_slices": [], "cross_filters_enabled": False,
                     "default_filters": "{}", "chart_configuration": {},
                     "native_filter_configuration": []},
        "version": VERSION}
    return {path: yaml.safe_dump(body, sort_keys=False, allow_unicode=True)
            for path, body in files.items()}


def _typed(contents: dict[str, str], kind: str) -> dict[str, str]:
    """The bundle with metadata.yaml declaring `kind` (each import command checks it)."""
    metadata = yaml.safe_load(contents["metadata.yaml"]) | {"type": kind}
    return contents | {"metadata.yaml": yaml.safe_dump(metadata, sort_keys=False)}


def write_bundle(warehouse: Path, out: Path) -> Path:
    """`out/house_edge_dashboard.zip`: `superset import-dashboards -p` takes it as is."""
    out.mkdir(parents=True, exist_ok=True)
    target = out / "house_edge_dashboard.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path, text in bundle(warehouse).items():
            zf.writestr(f"house_edge_dashboard/{path}", text)
    target.write_bytes(buffer.getvalue())
    return target


def _superset(*args: str) -> None:
    exe = Path(sys.executable).with_name("superset")
    subprocess.run([str(exe), *args], check=True, env=os.environ | {"FLASK_APP": "superset"})


def build(warehouse: Path) -> None:
    """Metadata database, roles, an admin, Public's read access, then the import (overwrite)."""
    if not warehouse.exists():
        raise SystemExit(f"{warehouse} does not exist: run `house-edge build` first")
    home = Path(os.environ["HOUSE_EDGE_DASHBOARD_HOME"])
    print(f"superset db upgrade / init ({home / 'superset.db'})", flush=True)
    _superset("db", "upgrade")
    _superset("init")

    from superset.app import create_app

    app = create_app()
    with app.app_context():
        from superset import db, security_manager
        from superset.commands.chart.importers.v1 import ImportChartsCommand
        from superset.commands.dashboard.importers.v1 import ImportDashboardsCommand
        from superset.commands.database.importers.v1 import ImportDatabasesCommand
        from superset.commands.dataset.importers.v1 import ImportDatasetsCommand
        from superset.utils.core import override_user

        admin = security_manager.find_user(username="admin")
        if admin is None:
            password = secrets.token_urlsafe(18)
            (home / "admin.password").write_text(password + "\n", encoding="utf-8")
            (home / "admin.password").chmod(0o600)
            admin = security_manager.add_user(
                "admin", "House Edge", "admin", "admin@house-edge.invalid",
                security_manager.find_role("Admin"), password=password)
        public = security_manager.find_role("Public")
        for perm in ("all_datasource_access", "all_database_access"):
            pv = security_manager.find_permission_view_menu(perm, perm)
            if pv is not None and pv not in public.permissions:
                security_manager.add_permission_role(public, pv)
        db.session.commit()

        # A dashboard import never overwrites its charts, datasets or database (Superset
        # imports those with overwrite=False), so each kind is imported on its own first: a
        # re-run applies every change made here and follows a moved warehouse.
        contents = bundle(warehouse)
        with override_user(admin):
            for command, kind in ((ImportDatabasesCommand, "Database"),
                                  (ImportDatasetsCommand, "SqlaTable"),
                                  (ImportChartsCommand, "Slice"),
                                  (ImportDashboardsCommand, "Dashboard")):
                command(_typed(contents, kind), overwrite=True).run()
        db.session.commit()
    zip_path = write_bundle(warehouse, home)
    print(f"imported dashboard '{SLUG}' ({len(CHARTS)} charts) over {warehouse}; "
          f"bundle: {zip_path}")


def serve(host: str, port: int) -> None:
    print(f"House Edge dashboard: http://{host}:{port}/superset/dashboard/{SLUG}/", flush=True)
    exe = Path(sys.executable).with_name("superset")
    os.execve(str(exe), [str(exe), "run", "-h", host, "-p", str(port), "--with-threads"],
              os.environ | {"FLASK_APP": "superset"})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name in ("bundle", "build"):
        p = sub.add_parser(name)
        p.add_argument("--warehouse", type=Path, required=True)
        if name == "bundle":
            p.add_argument("--out", type=Path, required=True)
    p = sub.add_parser("serve")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8088)
    sub.add_parser("marts")
    args = parser.parse_args(argv)
    os.environ.setdefault("SUPERSET_CONFIG_PATH", str(HERE / "superset_config.py"))
    os.environ.setdefault("HOUSE_EDGE_DASHBOARD_HOME", str(Path("warehouse/dashboard").resolve()))
    if args.command == "bundle":
        print(write_bundle(args.warehouse, args.out))
    elif args.command == "build":
        build(args.warehouse)
    elif args.command == "serve":
        serve(args.host, args.port)
    else:
        print("\n".join(marts_read()))


if __name__ == "__main__":
    main()

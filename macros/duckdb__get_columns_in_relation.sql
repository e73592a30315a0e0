{#-
    Workaround for dbt unit tests whose `given` input is a source read in place through
    dbt-duckdb's `external_location` (dbt-core issues #9851, #10292): to type the fixture rows,
    dbt's get_fixture_sql asks the database for the columns of "<db>"."<source>"."<table>",
    which never exists, and the unit test fails with "Not able to get columns for unit test".

    This override of dbt-duckdb's macro (root-project macros win the dispatch) answers with the
    `data_type`s declared for that source in YAML -- the same types the read_csv `columns={...}`
    enforces -- but only when the relation matches a source with an `external_location`, so every
    other lookup goes to dbt-duckdb's own implementation unchanged.
-#}
{% macro duckdb__get_columns_in_relation(relation) -%}
    {%- set declared_columns = [] -%}
    {%- if execute and graph is defined -%}
        {%- for source_node in graph.sources.values() -%}
            {%- set source_meta = source_node.get('config', {}).get('meta', {}) or source_node.get('meta', {}) -%}
            {%- if 'external_location' in source_meta
                and (source_node.schema | lower) == (relation.schema | lower)
                and (source_node.identifier | lower) == (relation.identifier | lower) -%}
                {%- for column in source_node.columns.values() -%}
                    {%- if column.data_type -%}
                        {%- do declared_columns.append(api.Column.create(column.name, column.data_type)) -%}
                    {%- endif -%}
                {%- endfor -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {%- if declared_columns -%}
        {{ return(declared_columns) }}
    {%- else -%}
        {{ return(dbt.duckdb__get_columns_in_relation(relation)) }}
    {%- endif -%}
{%- endmacro %}

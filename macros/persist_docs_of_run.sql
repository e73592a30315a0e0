{#-
    Descriptions as table/column comments (config persist_docs, dbt_project.yml), on DuckDB in
    one batch at the end of the run (on-run-end) instead of per node: dbt's per-node
    persist_docs costs each model and seed a relation comment, two column listings and a batch
    of column comments (~220 statements on the sample, ~1.3 CPU s of the build, issue 17).
    The same comments, the same rules (dbt's default__persist_docs with dbt-duckdb's
    comment statements): the relation's description when persist_docs.relation is set, each
    documented column that exists (quoted names exactly, others case-insensitively; the
    missing ones are warned about; then, as dbt-duckdb's comment macro, only exact names) when
    persist_docs.columns is set; for every model and seed
    this run built. Other adapters (Spark) keep dbt's own per-node macro.
-#}
{% macro duckdb__persist_docs(relation, model, for_relation, for_columns) -%}
  {#- deferred to persist_docs_of_run (on-run-end) -#}
{%- endmacro %}


{% macro persist_docs_of_run(results) -%}
  {%- if execute and target.type == 'duckdb' -%}
    {%- set nodes = [] -%}
    {%- for res in results if res.node.resource_type in ['model', 'seed']
                              and res.status == 'success'
                              and res.node.config.materialized != 'ephemeral' -%}
      {%- do nodes.append(res.node) -%}
    {%- endfor -%}
    {%- if nodes -%}
      {%- set existing = {} -%}
      {%- set listed = run_query("select schema_name, table_name, column_name from duckdb_columns() "
                                 ~ "where database_name = '" ~ target.database ~ "'") -%}
      {%- for row in listed -%}
        {%- do existing.setdefault((row[0] ~ '.' ~ row[1]) | lower, []).append(row[2]) -%}
      {%- endfor -%}
      {%- set statements = [] -%}
      {#- a node without columns in the file has no relation there to comment -#}
      {%- for node in nodes if (node.schema ~ '.' ~ node.alias) | lower in existing -%}
        {%- set persist = node.config.persist_docs or {} -%}
        {%- set relation = api.Relation.create(
              database=node.database, schema=node.schema, identifier=node.alias,
              type='view' if node.config.materialized == 'view' else 'table') -%}
        {%- if persist.get('relation', false) and node.description -%}
          {%- do statements.append(duckdb__alter_relation_comment(relation, node.description)) -%}
        {%- endif -%}
        {%- if persist.get('columns', false) and node.columns -%}
          {%- set names = existing.get((node.schema ~ '.' ~ node.alias) | lower, []) -%}
          {%- set filtered = validate_doc_columns(relation, node.columns, names) -%}
          {%- for column_name in filtered if column_name in names -%}
            {%- set column = filtered[column_name] -%}
            {%- do statements.append("comment on column " ~ relation ~ "."
                  ~ (adapter.quote(column_name) if column['quote'] else column_name)
                  ~ " is " ~ duckdb_escape_comment(column['description']) ~ ";") -%}
          {%- endfor -%}
        {%- endif -%}
      {%- endfor -%}
      {%- if statements -%}
        {#- in one transaction: ~1,000 comments each committed on its own (each commit a WAL
            write) took 0.4-0.5 s on a checkpointed scale-1 file and 1.5-4 s at the end of its
            build; in one transaction 0.1 s -#}
        {%- do run_query("begin transaction;\n" ~ (statements | join("\n")) ~ "\ncommit;") -%}
      {%- endif -%}
    {%- endif -%}
  {%- endif -%}
{%- endmacro %}

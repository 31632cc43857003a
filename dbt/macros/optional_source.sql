{#- Rows of a source table that may not exist yet (the kiosk services' ops tables are not loaded
    into the lakehouse yet): the table when it exists, otherwise zero rows with the declared
    columns and types, so every model downstream builds empty but valid.
    `columns`: list of (name, postgres type). -#}
{% macro optional_source(source_name, table_name, columns) -%}
    {%- set relation = source(source_name, table_name) -%}
    {%- set found = adapter.get_relation(relation.database, relation.schema, relation.identifier) if execute else none -%}
    {%- if found is not none %}
    select
        {%- for name, type in columns %}
        {{ adapter.quote(name) }}::{{ type }} as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    {%- else %}
    select
        {%- for name, type in columns %}
        null::{{ type }} as {{ name }}{{ "," if not loop.last }}
        {%- endfor %}
    where false
    {%- endif %}
{%- endmacro %}

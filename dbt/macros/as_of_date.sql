{#- The business date the marts describe: var `as_of` (YYYY-MM-DD) when given, else the newest
    logical date the pipeline took a batch for. A rerun for the same date gives the same marts. -#}
{% macro as_of_date() -%}
    {%- if var('as_of', none) -%}
        date '{{ var("as_of") }}'
    {%- else -%}
        (select coalesce(max(logical_date), current_date) from {{ source('pipeline', 'batch') }})
    {%- endif -%}
{%- endmacro %}
